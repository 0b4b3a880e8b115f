import PaymentWorker

await PaymentCommand.main()

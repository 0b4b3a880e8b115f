import ChainWorker

await ChainCommand.main()

import Gateway

await GatewayCommand.main()

import ComputeWorker

await ComputeCommand.main()

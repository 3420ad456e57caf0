using OrleansRepl.Cli;

return await OreplCommand.RunAsync(args, Console.OpenStandardInput, Console.Out, Console.Error);

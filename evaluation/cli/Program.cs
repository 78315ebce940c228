using Actors.Evaluation.Cli;

return await EvaluateCommand.Create().Parse(args).InvokeAsync();

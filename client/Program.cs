using Actors.Client.Commands;

return await ActorsCommandLine.Build().Parse(args).InvokeAsync();

using Actors.Client.Commands;

return await ActorsCommandLine.InvokeAsync(args);

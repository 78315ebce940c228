using System.CommandLine;
using Actors.Chaos;

// scripts/chaos.sh runs this with the Release silo binary and Azurite's connection string; see ChaosRun for what it does.
var commandLine = new ChaosCommandLine();
commandLine.Command.SetAction(async (parse, _) =>
{
    var arguments = commandLine.Bind(parse);
    var connectionString = Environment.GetEnvironmentVariable("AZURITE_CONNECTION_STRING");
    if (string.IsNullOrEmpty(connectionString))
    {
        await Console.Error.WriteLineAsync("AZURITE_CONNECTION_STRING is not set: run this through scripts/chaos.sh, which starts Azurite.");
        return ChaosCommandLine.UsageExitCode;
    }

    using var run = new ChaosRun(arguments.Settings, arguments.SiloDll, arguments.DatasetDirectory, connectionString, arguments.PidFile);
    var result = await run.RunAsync();
    Console.WriteLine(result.Summary);
    return result.Passed ? 0 : 1;
});
var parsed = commandLine.Parse(args);

// No termination handling of System.CommandLine's own: a signal ends the driver at once, as before, and scripts/chaos.sh
// ends the silos it leaves through the pid file.
var exitCode = await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
return parsed.Errors.Count > 0 ? ChaosCommandLine.UsageExitCode : exitCode;

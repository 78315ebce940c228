using Actors.Chaos;

// scripts/chaos.sh runs this with the Release silo binary and Azurite's connection string; see ChaosRun for what it does.
var quick = args.Contains("--quick");
var siloDll = Argument("--silo") ?? throw new ArgumentException("--silo PATH (the Release Actors.Silo.dll) is required.");
var dataset = Argument("--dataset") ?? throw new ArgumentException("--dataset PATH (data/Scientific) is required.");
var pidFile = Argument("--pid-file");
var connectionString = Environment.GetEnvironmentVariable("AZURITE_CONNECTION_STRING")
    ?? throw new InvalidOperationException("AZURITE_CONNECTION_STRING is not set: run this through scripts/chaos.sh, which starts Azurite.");

using var run = new ChaosRun(quick ? ChaosSettings.Quick : ChaosSettings.Full, Path.GetFullPath(siloDll), Path.GetFullPath(dataset), connectionString, pidFile);
var result = await run.RunAsync();
Console.WriteLine(result.Summary);
return result.Passed ? 0 : 1;

string? Argument(string name)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
}

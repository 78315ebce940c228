using System.CommandLine;
using System.Globalization;
using Actors.Benchmarks;
using Actors.Benchmarks.Load;
using Actors.Benchmarks.Micro;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks -- micro [BenchmarkDotNet arguments, e.g. --filter *TopK*]
// dotnet run -c Release --project benchmarks -- load [--quick] [--json FILE] [--doc FILE] [--model PATH|random|content] [--only tower|encoder|events|retrieval]
// dotnet run -c Release --project benchmarks -- page --json FILE [--doc FILE]   (re-renders docs/performance.md from a saved run)
// dotnet run -c Release --project benchmarks -- [micro|load|page] --help   (every option with its default)
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var commandLine = new BenchmarkCommandLine();
commandLine.Micro.SetAction(parse =>
{
    BenchmarkSwitcher.FromAssembly(typeof(MicroConfig).Assembly).Run(BenchmarkCommandLine.MicroArguments(parse), new MicroConfig());
    return 0;
});
commandLine.Load.SetAction((parse, _) => LoadHarness.RunAsync(commandLine.LoadSettings(parse)));
commandLine.Page.SetAction(async (parse, _) =>
{
    var (jsonPath, docPath) = commandLine.PageFiles(parse);
    await PerformancePage.RenderFileAsync(jsonPath, docPath);
    return 0;
});
var parsed = commandLine.Parse(args);
// No termination handling of System.CommandLine's own: Ctrl+C ends a run at once, as before (the harness does not observe a token).
var exitCode = await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
return parsed.Errors.Count > 0 ? BenchmarkCommandLine.UsageExitCode : exitCode;

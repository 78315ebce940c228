using System.Globalization;
using Actors.Benchmarks.Load;
using Actors.Benchmarks.Micro;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks -- micro [BenchmarkDotNet arguments, e.g. --filter *TopK*]
// dotnet run -c Release --project benchmarks -- load [--quick] [--json FILE] [--doc FILE] [--model PATH|random|content] [--only tower|encoder|events|retrieval]
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;

var mode = args.Length > 0 ? args[0] : "";
var rest = args.Skip(1).ToArray();
switch (mode)
{
    case "micro":
        // Without a filter BenchmarkDotNet asks interactively; the default is the whole suite.
        var benchmarkArgs = rest.Any(a => a.StartsWith("--filter", StringComparison.Ordinal) || a == "-f") ? rest : [.. rest, "--filter", "*"];
        BenchmarkSwitcher.FromAssembly(typeof(MicroConfig).Assembly).Run(benchmarkArgs, new MicroConfig());
        return 0;
    case "load":
        return await LoadHarness.RunAsync(LoadSettings.Parse(rest));
    default:
        Console.Error.WriteLine("usage: Actors.Benchmarks micro [--filter PATTERN] | load [--quick] [--json FILE] [--doc FILE] [--model PATH|random|content] [--only tower|encoder|events|retrieval]");
        return 2;
}

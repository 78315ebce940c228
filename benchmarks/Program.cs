using System.Globalization;
using Actors.Benchmarks.Load;
using Actors.Benchmarks.Micro;
using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks -- micro [BenchmarkDotNet arguments, e.g. --filter *TopK*]
// dotnet run -c Release --project benchmarks -- load [--quick] [--json FILE] [--doc FILE] [--model PATH|random|content] [--only tower|encoder|events|retrieval]
// dotnet run -c Release --project benchmarks -- page --json FILE [--doc FILE]   (re-renders docs/performance.md from a saved run)
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
    case "page":
        var page = LoadSettings.Parse(rest);
        if (page.JsonPath is null || page.Only is not null || page.Quick || page.Model is not null)
        {
            Console.Error.WriteLine("usage: Actors.Benchmarks page --json FILE [--doc FILE]: FILE is the JSON a full load run wrote.");
            return 2;
        }
        await PerformancePage.RenderFileAsync(page.JsonPath, page.DocPath);
        return 0;
    default:
        Console.Error.WriteLine("usage: Actors.Benchmarks micro [--filter PATTERN] | load [--quick] [--json FILE] [--doc FILE] [--model PATH|random|content] [--only tower|encoder|events|retrieval] | page --json FILE [--doc FILE]");
        return 2;
}

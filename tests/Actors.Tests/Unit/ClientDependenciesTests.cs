using System.Reflection;
using System.Text.Json;
using Actors.Tests.Infrastructure;

namespace Actors.Tests.Unit;

/// <summary>
/// The command-line client is an Orleans client on the contracts (grain-interfaces, ingest, hosting): its build output
/// must not depend on the grains, the heavy libraries behind them, ONNX Runtime, the silo runtime or grain storage. Read
/// from the <c>actors.deps.json</c> the client's build wrote (this test project builds the client first), in the
/// configuration this test was built in.
/// </summary>
public sealed class ClientDependenciesTests
{
    /// <summary>Libraries (a package family where the name ends in a dot) the client must not carry.</summary>
    private static readonly string[] Forbidden =
    [
        "Microsoft.ML.OnnxRuntime",
        "Microsoft.ML.OnnxRuntime.",
        "Microsoft.Orleans.Server",
        "Microsoft.Orleans.Persistence.",
        "Actors.Grains",
        "Actors.Encoder",
        "Actors.Model",
        "Actors.VectorIndex",
        "Actors.Evaluation",
    ];

    [Fact]
    public void The_client_output_holds_no_grains_onnx_runtime_silo_runtime_or_grain_storage()
    {
        var libraries = ClientLibraries();

        var offending = libraries.Where(name => Forbidden.Any(f => f.EndsWith('.') ? name.StartsWith(f, StringComparison.OrdinalIgnoreCase) : string.Equals(name, f, StringComparison.OrdinalIgnoreCase)))
            .Order(StringComparer.Ordinal)
            .ToArray();

        Assert.True(offending.Length == 0, $"The client's actors.deps.json depends on {string.Join(", ", offending)}; it may reference grain-interfaces, ingest and hosting only.");
        // It is the client's graph that was read: its own contracts and cluster set-up are in it.
        Assert.Contains("Actors.GrainInterfaces", libraries);
        Assert.Contains("Actors.Hosting", libraries);
    }

    /// <summary>The library names (without versions) of the newest <c>actors.deps.json</c> under <c>client/bin/{configuration}</c>.</summary>
    private static HashSet<string> ClientLibraries()
    {
        var configuration = typeof(ClientDependenciesTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var output = new DirectoryInfo(Path.Combine(RepositoryPaths.Root, "client", "bin", configuration));
        var deps = output.Exists
            ? output.EnumerateFiles("actors.deps.json", SearchOption.AllDirectories).MaxBy(f => f.LastWriteTimeUtc)
            : null;
        Assert.True(deps is not null, $"No actors.deps.json under {output.FullName}: build the client (dotnet build Actors.sln -c {configuration}).");

        using var document = JsonDocument.Parse(File.ReadAllText(deps.FullName));
        return document.RootElement.GetProperty("libraries").EnumerateObject()
            .Select(library => library.Name[..library.Name.IndexOf('/', StringComparison.Ordinal)])
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
    }
}

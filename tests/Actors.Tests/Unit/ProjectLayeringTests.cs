using System.Xml.Linq;
using Actors.Tests.Infrastructure;

namespace Actors.Tests.Unit;

/// <summary>
/// The project references form layers: the Orleans-free libraries at the bottom, the contracts above them, the grains
/// above those, the hosts on top. A reference may only point down; these tests read every project file of the
/// repository, so a reference that points up (or sideways within a layer), or a new project nobody placed, fails here.
/// </summary>
public sealed class ProjectLayeringTests
{
    /// <summary>Each project's layer; a project may reference only projects of a lower layer.</summary>
    private static readonly Dictionary<string, int> Layers = new(StringComparer.Ordinal)
    {
        // Orleans-free libraries: the heavy parts, driven by unit tests and benchmarks without a cluster.
        ["Actors.Dataset"] = 0,
        ["Actors.Model"] = 0,
        ["Actors.VectorIndex"] = 0,
        ["Actors.Encoder"] = 0,
        ["Actors.Evaluation"] = 1,
        ["Actors.Training"] = 2,
        ["Actors.Evaluation.Cli"] = 2,
        // The contracts, and the libraries an Orleans client needs beside them.
        ["Actors.GrainInterfaces"] = 1,
        ["Actors.Hosting"] = 2,
        ["Actors.Ingest"] = 2,
        // The grain classes.
        ["Actors.Grains"] = 3,
        // The hosts and the tools that drive them.
        ["Actors.Silo"] = 4,
        ["Actors.Client"] = 4,
        ["Actors.Chaos"] = 4,
        ["Actors.Benchmarks"] = 5,
    };

    /// <summary>The Orleans-free libraries: no Orleans package, directly or through a project.</summary>
    private static readonly string[] OrleansFree =
        ["Actors.Dataset", "Actors.Model", "Actors.VectorIndex", "Actors.Encoder", "Actors.Evaluation", "Actors.Training", "Actors.Evaluation.Cli"];

    /// <summary>An Orleans client references the contracts and the client-side libraries, never an implementation.</summary>
    private static readonly Dictionary<string, string[]> ClientReferences = new(StringComparer.Ordinal)
    {
        ["Actors.Client"] = ["Actors.GrainInterfaces", "Actors.Hosting", "Actors.Ingest"],
        ["Actors.Chaos"] = ["Actors.Dataset", "Actors.GrainInterfaces", "Actors.Hosting", "Actors.Ingest"],
    };

    private static readonly ProjectFile[] Projects = ProjectFile.All(RepositoryPaths.Root);

    [Fact]
    public void Every_project_outside_tests_has_a_layer()
    {
        var unplaced = Projects.Where(p => !p.IsTest && !Layers.ContainsKey(p.Name)).Select(p => p.RelativePath).ToArray();
        Assert.True(unplaced.Length == 0, $"Projects with no layer in {nameof(ProjectLayeringTests)}.{nameof(Layers)}: {string.Join(", ", unplaced)}");
        Assert.Contains(Projects, p => p.Name == "Actors.Grains");
    }

    [Fact]
    public void Project_references_only_point_down()
    {
        var upward = new List<string>();
        // A project with no layer is reported by Every_project_outside_tests_has_a_layer.
        foreach (var project in Projects.Where(p => !p.IsTest && Layers.ContainsKey(p.Name)))
        {
            var own = Layers[project.Name];
            foreach (var reference in project.References)
            {
                var layer = Layers.GetValueOrDefault(reference, int.MaxValue);
                if (layer >= own)
                {
                    upward.Add($"{project.Name} (layer {own}) → {reference} (layer {(layer == int.MaxValue ? "none" : layer)})");
                }
            }
        }

        Assert.True(upward.Count == 0, "References that do not point down a layer: " + string.Join("; ", upward));
    }

    [Fact]
    public void Orleans_free_libraries_reference_no_Orleans_package()
    {
        var offenders = Projects
            .Where(p => OrleansFree.Contains(p.Name))
            .SelectMany(p => p.Packages.Where(package => package.StartsWith("Microsoft.Orleans", StringComparison.Ordinal)).Select(package => $"{p.Name} → {package}"))
            .ToArray();
        Assert.True(offenders.Length == 0, "Orleans packages in Orleans-free libraries: " + string.Join("; ", offenders));
    }

    [Fact]
    public void Clients_reference_contracts_and_client_libraries_only()
    {
        foreach (var (name, allowed) in ClientReferences)
        {
            var project = Projects.SingleOrDefault(p => p.Name == name);
            Assert.True(project is not null, $"No project {name}");
            var extra = project.References.Except(allowed, StringComparer.Ordinal).ToArray();
            Assert.True(extra.Length == 0, $"{name} references {string.Join(", ", extra)}; a client may reference only {string.Join(", ", allowed)}.");
            Assert.DoesNotContain(project.Packages, p => p is "Microsoft.Orleans.Server" or "Microsoft.ML.OnnxRuntime.Gpu" or "Microsoft.ML.OnnxRuntime.Gpu.Linux");
        }
    }

    /// <summary>One project file: its assembly name, the projects it references (by name) and its packages.</summary>
    private sealed record ProjectFile(string Name, string RelativePath, bool IsTest, string[] References, string[] Packages)
    {
        public static ProjectFile[] All(string root) =>
            Directory.EnumerateFiles(root, "*.csproj", SearchOption.AllDirectories)
                .Where(path => !IsBuildOutput(Path.GetRelativePath(root, path)))
                .Select(path => Read(root, path))
                .OrderBy(p => p.RelativePath, StringComparer.Ordinal)
                .ToArray();

        private static bool IsBuildOutput(string relative) =>
            relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or "node_modules" or "TestResults" || part.StartsWith('.'));

        private static ProjectFile Read(string root, string path)
        {
            var document = XDocument.Load(path);
            var relative = Path.GetRelativePath(root, path);
            // A project is named by the file name; the layering is about projects, not the assembly names they emit.
            var name = Path.GetFileNameWithoutExtension(path);
            var references = document.Descendants("ProjectReference")
                .Select(e => Path.GetFileNameWithoutExtension(e.Attribute("Include")!.Value.Replace('\\', '/')))
                .ToArray();
            var packages = document.Descendants("PackageReference")
                .Select(e => e.Attribute("Include")?.Value)
                .OfType<string>()
                .ToArray();
            return new ProjectFile(name, relative, relative.StartsWith("tests" + Path.DirectorySeparatorChar, StringComparison.Ordinal), references, packages);
        }
    }
}

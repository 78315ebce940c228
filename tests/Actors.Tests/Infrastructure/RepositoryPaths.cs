namespace Actors.Tests.Infrastructure;

/// <summary>Finds files of the repository (and the shared data beside it) from the test's output folder.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The bundled sample catalog.</summary>
    public static string Scientific => Path.Combine(Root, "data", "Scientific");

    /// <summary>
    /// MovieLens 100K beside the repository (<c>../shared/data/ml-100k</c>), read in place: its licence forbids
    /// copying it into the repository.
    /// </summary>
    public static string MovieLens100K => Path.GetFullPath(Path.Combine(Root, "..", "shared", "data", "ml-100k"));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Actors.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No Actors.sln above {AppContext.BaseDirectory}.");
    }
}

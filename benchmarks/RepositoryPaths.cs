namespace Actors.Benchmarks;

/// <summary>Locates the repository (the folder holding Actors.sln) from the working directory or the binary's folder.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = Find();

    public static string Scientific => Path.Combine(Root, "data", "Scientific");

    private static string Find()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Actors.sln")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new DirectoryNotFoundException($"No Actors.sln above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}; run from inside the repository.");
    }
}

using System.Diagnostics;
using System.Reflection;

namespace Actors.Tests.Infrastructure;

/// <summary>The built command-line client (<c>actors.dll</c>) run as a process, as a user runs it.</summary>
internal static class ClientProcess
{
    /// <summary>Runs the client with <paramref name="arguments"/>; fails the test when it runs longer than <paramref name="limit"/>.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(TimeSpan limit, params string[] arguments)
    {
        var configuration = typeof(ClientProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var output = new DirectoryInfo(Path.Combine(RepositoryPaths.Root, "client", "bin", configuration));
        var client = output.Exists ? output.EnumerateFiles("actors.dll", SearchOption.AllDirectories).MaxBy(f => f.LastWriteTimeUtc) : null;
        Assert.True(client is not null, $"No actors.dll under {output.FullName}: build the client (dotnet build Actors.sln -c {configuration}).");

        // A wide console, so a message is not wrapped mid-word.
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = client.DirectoryName!, Environment = { ["COLUMNS"] = "400" } };
        start.ArgumentList.Add(client.FullName);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"the client was still running after {limit.TotalSeconds:F0} s: {await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}

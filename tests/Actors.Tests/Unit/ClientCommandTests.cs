using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Actors.Tests.Infrastructure;

namespace Actors.Tests.Unit;

/// <summary>The command-line client as a user runs it: the built <c>actors</c> executable, in a process of its own.</summary>
public sealed class ClientCommandTests
{
    [Fact]
    public async Task A_command_with_no_silo_to_reach_says_so_and_exits_instead_of_retrying_for_ever()
    {
        var port = FreePorts.Next();
        var (exitCode, output) = await RunClientAsync(TimeSpan.FromSeconds(90), "recommend", "--user", "someone", "--gateway", port.ToString(CultureInfo.InvariantCulture));

        Assert.True(exitCode == 1, $"exit code {exitCode}; output:\n{output}");
        // The console may wrap the message; compare it with the line breaks taken out.
        var text = output.ReplaceLineEndings(" ").Replace("  ", " ", StringComparison.Ordinal);
        Assert.Contains($"Cannot reach the cluster's gateway on 127.0.0.1:{port}", text, StringComparison.Ordinal);
        Assert.Contains("Is a silo running?", text, StringComparison.Ordinal);
        // One message, not a connection stack trace per attempt.
        Assert.DoesNotContain("SocketConnectionException", output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> RunClientAsync(TimeSpan limit, params string[] arguments)
    {
        var configuration = typeof(ClientCommandTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var output = new DirectoryInfo(Path.Combine(RepositoryPaths.Root, "client", "bin", configuration));
        var client = output.Exists ? output.EnumerateFiles("actors.dll", SearchOption.AllDirectories).MaxBy(f => f.LastWriteTimeUtc) : null;
        Assert.True(client is not null, $"No actors.dll under {output.FullName}: build the client (dotnet build Actors.sln -c {configuration}).");

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = client.DirectoryName! };
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

using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Actors.Tests.Infrastructure;

namespace Actors.Tests.Unit;

/// <summary>
/// <c>actors models</c> and <c>actors experiments</c> as a user runs them (the built executable, in a process of its
/// own): a bad argument is named and exits 2 before any cluster is looked for; a good one goes on to connect.
/// </summary>
public sealed class ModelCommandTests
{
    private static readonly string Artifact = Path.Combine(RepositoryPaths.Root, "models", "learn-scientific-item-tower-c");

    public static TheoryData<string[], string> BadArguments => new()
    {
        { ["models", "activate"], "--version" },
        { ["models", "activate", "--version", " "], "--version must be a non-empty model version" },
        { ["models", "upload"], "--dir" },
        { ["models", "upload", "--dir", Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}")], "does not exist" },
        { ["models", "upload", "--dir", RepositoryPaths.Root], "holds no manifest.json" },
        { ["experiments", "start", "--arm", "a=0.5", "--arm", "b=0.5"], "--name" },
        { ["experiments", "start", "--name", "has space", "--arm", "a=0.5", "--arm", "b=0.5"], "--name 'has space' may hold only" },
        { ["experiments", "start", "--name", "ab", "--arm", "a=1"], "at least 2" },
        { ["experiments", "start", "--name", "ab", "--arm", "a=0.5", "--arm", "b=0.4"], "sum to 0.9" },
        { ["experiments", "start", "--name", "ab", "--arm", "a=0.5", "--arm", "a=0.5"], "names a twice" },
        { ["experiments", "start", "--name", "ab", "--arm", "a=half", "--arm", "b=0.5"], "--arm 'a=half'" },
        { ["experiments", "start", "--name", "ab", "--arm", "a", "--arm", "b=1"], "is not VERSION=SHARE" },
        { ["experiments", "start", "--name", "ab", "--arm", "a=0", "--arm", "b=1"], "(0, 1]" },
        { ["experiments", "stop"], "--name" },
        { ["experiments", "stop", "--name", "ab", "--promote", ""], "--promote must be a non-empty model version" },
        { ["models", "list", "--gateway", "0"], "--gateway" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public async Task A_bad_argument_is_named_and_exits_2(string[] arguments, string mentions)
    {
        var (exitCode, output) = await RunClientAsync(TimeSpan.FromSeconds(60), arguments);

        Assert.True(exitCode == 2, $"exit code {exitCode}; output:\n{output}");
        Assert.Contains(mentions, Flatten(output), StringComparison.Ordinal);
        Assert.DoesNotContain("Cannot reach the cluster", Flatten(output), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("models", "list")]
    [InlineData("experiments", "show")]
    [InlineData("experiments", "start", "--name", "ab-1", "--arm", "learn-scientific-1f4daa63afab512f=0.5", "--arm", "learn-scientific-a939bbeba4bf0a8e=0.5")]
    [InlineData("experiments", "stop", "--name", "ab-1", "--promote", "learn-scientific-a939bbeba4bf0a8e")]
    [InlineData("models", "rollback")]
    [InlineData("models", "activate", "--version", "learn-scientific-a939bbeba4bf0a8e", "--no-wait")]
    public async Task Good_arguments_go_on_to_the_cluster_and_exit_1_when_none_answers(params string[] arguments)
    {
        var port = FreePorts.Next().ToString(CultureInfo.InvariantCulture);
        var (exitCode, output) = await RunClientAsync(TimeSpan.FromSeconds(90), [.. arguments, "--gateway", port]);

        Assert.True(exitCode == 1, $"exit code {exitCode}; output:\n{output}");
        Assert.Contains($"Cannot reach the cluster's gateway on 127.0.0.1:{port}", Flatten(output), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_artifact_folder_is_accepted_by_upload()
    {
        var port = FreePorts.Next().ToString(CultureInfo.InvariantCulture);
        var (exitCode, output) = await RunClientAsync(TimeSpan.FromSeconds(90), "models", "upload", "--dir", Artifact, "--gateway", port);

        Assert.True(exitCode == 1, $"exit code {exitCode}; output:\n{output}");
        Assert.Contains("Cannot reach the cluster's gateway", Flatten(output), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_lists_the_model_and_experiment_commands()
    {
        var (exitCode, output) = await RunClientAsync(TimeSpan.FromSeconds(60), "--help");

        Assert.Equal(0, exitCode);
        Assert.Contains("models", output, StringComparison.Ordinal);
        Assert.Contains("experiments", output, StringComparison.Ordinal);
    }

    /// <summary>The console may wrap a message; compare it with the line breaks taken out.</summary>
    private static string Flatten(string output) => output.ReplaceLineEndings(" ").Replace("  ", " ", StringComparison.Ordinal);

    private static async Task<(int ExitCode, string Output)> RunClientAsync(TimeSpan limit, params string[] arguments)
    {
        var configuration = typeof(ModelCommandTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
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

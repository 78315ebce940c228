using System.Globalization;
using Actors.Tests.Infrastructure;

namespace Actors.Tests.Unit;

/// <summary>The command-line client as a user runs it: the built <c>actors</c> executable, in a process of its own.</summary>
public sealed class ClientCommandTests
{
    [Fact]
    public async Task A_command_with_no_silo_to_reach_says_so_and_exits_instead_of_retrying_for_ever()
    {
        var port = FreePorts.Next();
        var (exitCode, output) = await ClientProcess.RunAsync(TimeSpan.FromSeconds(90), "recommend", "--user", "someone", "--gateway", port.ToString(CultureInfo.InvariantCulture));

        Assert.True(exitCode == 1, $"exit code {exitCode}; output:\n{output}");
        // The console may wrap the message; compare it with the line breaks taken out.
        var text = output.ReplaceLineEndings(" ").Replace("  ", " ", StringComparison.Ordinal);
        Assert.Contains($"Cannot reach the cluster's gateway on 127.0.0.1:{port}", text, StringComparison.Ordinal);
        Assert.Contains("Is a silo running?", text, StringComparison.Ordinal);
        // One message, not a connection stack trace per attempt.
        Assert.DoesNotContain("SocketConnectionException", output, StringComparison.Ordinal);
    }
}

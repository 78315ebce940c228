using System.Globalization;
using Actors.Tests.Infrastructure;

namespace Actors.Tests.Unit;

/// <summary>
/// <c>actors recommend --users</c> as a user runs it (the built executable, in a process of its own): a bad argument is
/// named and exits 2 before any cluster is looked for; good ones go on to connect.
/// </summary>
public sealed class BulkRecommendCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("actors-bulk-args-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string UsersFile(params string[] lines)
    {
        var path = Path.Combine(_directory, $"{Guid.NewGuid():N}.txt");
        File.WriteAllLines(path, lines);
        return path;
    }

    [Fact]
    public async Task A_missing_file_is_named_and_exits_2()
    {
        var missing = Path.Combine(_directory, "no-such-users.txt");
        await AssertUsageErrorAsync(["recommend", "--users", missing], $"--users: file '{missing}' does not exist");
    }

    [Theory]
    [InlineData("0", "-k must be in 1..1000; got 0")]
    [InlineData("1001", "-k must be in 1..1000; got 1001")]
    public async Task K_out_of_range_is_named_and_exits_2(string k, string mentions) =>
        await AssertUsageErrorAsync(["recommend", "--users", UsersFile("u1"), "-k", k], mentions);

    [Fact]
    public async Task User_and_users_together_are_refused_with_exit_2() =>
        await AssertUsageErrorAsync(["recommend", "--user", "u1", "--users", UsersFile("u1")], "--user and --users cannot be used together");

    [Fact]
    public async Task Neither_user_nor_users_is_refused_with_exit_2() =>
        await AssertUsageErrorAsync(["recommend"], "--user or --users is required");

    [Fact]
    public async Task An_id_longer_than_the_cluster_allows_is_named_with_its_line_and_exits_2()
    {
        var file = UsersFile("# header", "ok-user", "", new string('x', 257));
        await AssertUsageErrorAsync(["recommend", "--users", file], $"--users '{file}' line 4: the id is 257 characters long; at most 256 are allowed");
    }

    [Fact]
    public async Task An_id_with_a_control_character_is_named_with_its_line_and_exits_2()
    {
        var file = UsersFile("ok-user", "bad\u0001user");
        await AssertUsageErrorAsync(["recommend", "--users", file], $"--users '{file}' line 2: the id contains a control or surrogate character");
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1025")]
    public async Task Concurrency_out_of_range_is_named_and_exits_2(string concurrency) =>
        await AssertUsageErrorAsync(["recommend", "--users", UsersFile("u1"), "--concurrency", concurrency], $"--concurrency must be in 1..1024; got {concurrency}");

    [Fact]
    public async Task Output_in_a_missing_folder_is_named_and_exits_2()
    {
        var folder = Path.Combine(_directory, "no-such-folder");
        await AssertUsageErrorAsync(["recommend", "--users", UsersFile("u1"), "--output", Path.Combine(folder, "out.jsonl")], $"--output: folder '{folder}' does not exist");
    }

    [Fact]
    public async Task Output_and_concurrency_without_users_are_refused_with_exit_2() =>
        await AssertUsageErrorAsync(["recommend", "--user", "u1", "--concurrency", "4"], "--output and --concurrency go with --users");

    [Fact]
    public async Task A_single_user_with_a_control_character_is_named_and_exits_2() =>
        await AssertUsageErrorAsync(["recommend", "--user", "bad\u0001user"], "--user contains a control or surrogate character");

    [Fact]
    public async Task Good_arguments_go_on_to_the_cluster_and_exit_1_when_none_answers()
    {
        var port = FreePorts.Next().ToString(CultureInfo.InvariantCulture);
        var (exitCode, output) = await ClientProcess.RunAsync(TimeSpan.FromSeconds(90), "recommend", "--users", UsersFile("# only a comment", "u1", "u2"), "-k", "5", "--gateway", port);

        Assert.True(exitCode == 1, $"exit code {exitCode}; output:\n{output}");
        Assert.Contains($"Cannot reach the cluster's gateway on 127.0.0.1:{port}", Flatten(output), StringComparison.Ordinal);
    }

    private static async Task AssertUsageErrorAsync(string[] arguments, string mentions)
    {
        var (exitCode, output) = await ClientProcess.RunAsync(TimeSpan.FromSeconds(60), arguments);

        Assert.True(exitCode == 2, $"exit code {exitCode}; output:\n{output}");
        Assert.Contains(mentions, Flatten(output), StringComparison.Ordinal);
        Assert.DoesNotContain("Cannot reach the cluster", Flatten(output), StringComparison.Ordinal);
    }

    /// <summary>The output with the console's line wrapping taken out.</summary>
    private static string Flatten(string output) => output.ReplaceLineEndings(" ").Replace("  ", " ", StringComparison.Ordinal);
}

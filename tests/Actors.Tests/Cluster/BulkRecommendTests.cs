using System.Globalization;
using System.Text.Json;
using Actors.Dataset;
using Actors.Hosting;
using Actors.Ingest;
using Actors.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using static Actors.Tests.Infrastructure.TestKeys;

namespace Actors.Tests.Cluster;

/// <summary>
/// <c>actors recommend --users FILE</c> as a user runs it: the built client, in a process of its own, against the TCP
/// gateway of the real silo host in this process (the in-process test cluster's silos talk over an in-memory transport
/// no other process can reach), on the client's default cluster and service ids, so the client's own appsettings.json
/// reaches it with only <c>--gateway</c>. Every line is checked against the single-user
/// <see cref="IRetrievalGrain.RecommendAsync"/> answer.
/// </summary>
public sealed class BulkRecommendTests(BulkRecommendTests.Silo silo) : IClassFixture<BulkRecommendTests.Silo>, IDisposable
{
    private const int K = 4;
    private readonly string _directory = Directory.CreateTempSubdirectory("actors-bulk-").FullName;

    private IClusterClient Client => silo.Client;

    private IReadOnlyList<CatalogItem> Items => silo.Seeded;

    private string Gateway => silo.GatewayPort.ToString(CultureInfo.InvariantCulture);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Every_user_gets_one_line_in_input_order_equal_to_the_single_user_answer_on_stdout_or_in_the_output_file()
    {
        var users = await UsersWithAndWithoutHistoryAsync();
        var file = Path.Combine(_directory, "users.txt");
        await File.WriteAllLinesAsync(file, ["# campaign users", .. users.Take(15), "", "   ", .. users.Skip(15)]);
        var lines = Path.Combine(_directory, "lines.jsonl");

        var (exitCode, output) = await ClientProcess.RunAsync(TimeSpan.FromSeconds(120), "recommend", "--users", file, "-k", K.ToString(CultureInfo.InvariantCulture), "--concurrency", "4", "--gateway", Gateway);
        var (fileExitCode, fileOutput) = await ClientProcess.RunAsync(TimeSpan.FromSeconds(120), "recommend", "--users", file, "-k", K.ToString(CultureInfo.InvariantCulture), "--output", lines, "--gateway", Gateway);

        Assert.True(exitCode == 0, $"exit code {exitCode}; output:\n{output}");
        // Standard error is not a terminal here: no progress, so the output is the JSON lines alone.
        await AssertLinesAnswerAsync(users, output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.True(fileExitCode == 0, $"exit code {fileExitCode}; output:\n{fileOutput}");
        Assert.Equal("", fileOutput);
        await AssertLinesAnswerAsync(users, await File.ReadAllLinesAsync(lines));

        // Without reasons: the same items, none saying which history item it is closest to.
        var (plainExitCode, plain) = await ClientProcess.RunAsync(TimeSpan.FromSeconds(120), "recommend", "--users", file, "-k", K.ToString(CultureInfo.InvariantCulture), "--no-reasons", "--gateway", Gateway);
        Assert.True(plainExitCode == 0, $"exit code {plainExitCode}; output:\n{plain}");
        await AssertLinesAnswerAsync(users, plain.Split('\n', StringSplitOptions.RemoveEmptyEntries), reasons: false);
    }

    /// <summary>30 ids: 10 users with a history (the first of them twice), 19 the cluster has never seen.</summary>
    private async Task<string[]> UsersWithAndWithoutHistoryAsync()
    {
        var known = Enumerable.Range(0, 10).Select(_ => Fresh("bulk-user")).ToArray();
        // Item 0 is everyone's, items 1..3 a third of the users' each: the popularity answer has a clear order.
        var events = known.SelectMany((u, i) => new[] { Event(u, Items[0].Id), Event(u, Items[1 + (i % 3)].Id), Event(u, Items[10 + i].Id) }).ToArray();
        await new EventPublisher(Client).PublishAsync(events);
        foreach (var user in known)
        {
            await Eventually.MatchesAsync(() => Client.GetGrain<IUserGrain>(user).GetHistoryAsync(), h => h.Length == 3, $"the history of {user}", TimeSpan.FromSeconds(30));
        }
        // Popularity counts the events after the histories hold them: wait for all 30, or a stranger's answer changes mid-test.
        var popular = Items.Take(4).Select(i => i.Id).ToHashSet();
        await Eventually.MatchesAsync(
            () => Client.GetGrain<IRetrievalGrain>(0).RecommendAsync(Fresh("probe"), K),
            r => r.Items.Length == K && r.Items.All(x => popular.Contains(x.ItemId)) && r.Items[0].Score > 9.9f && r.Items[1].Score > 3.9f && r.Items[3].Score > 2.9f,
            "the popularity of the 30 events",
            TimeSpan.FromSeconds(30));
        var unknown = Enumerable.Range(0, 19).Select(_ => Fresh("bulk-stranger")).ToArray();
        string[] users = [.. known.Take(5), .. unknown.Take(10), known[0], .. known.Skip(5), .. unknown.Skip(10)];
        Assert.Equal(30, users.Length);
        return users;
    }

    private async Task AssertLinesAnswerAsync(string[] users, string[] lines, bool reasons = true)
    {
        Assert.Equal(users.Length, lines.Length);
        for (var i = 0; i < users.Length; i++)
        {
            using var line = JsonDocument.Parse(lines[i]);
            var root = line.RootElement;
            Assert.Equal(users[i], root.GetProperty("userId").GetString());
            var expected = await Client.GetGrain<IRetrievalGrain>(0).RecommendAsync(users[i], K);
            Assert.Equal(expected.Source, root.GetProperty("source").GetString());
            Assert.Equal(expected.Partial, root.GetProperty("partial").GetBoolean());
            Assert.Equal(expected.ModelVersion, root.GetProperty("modelVersion").GetString());
            Assert.Equal(JsonValueKind.Null, root.GetProperty("experiment").ValueKind);
            Assert.False(root.TryGetProperty("error", out _), lines[i]);
            var items = root.GetProperty("items").EnumerateArray().ToArray();
            Assert.Equal(expected.Items.Select(x => x.ItemId), items.Select(x => x.GetProperty("itemId").GetString()));
            Assert.Equal(expected.Items.Select(x => x.Text), items.Select(x => x.GetProperty("text").GetString()));
            // An embedding answer names each item's closest history item; a popularity answer has none to name.
            Assert.Equal(expected.Items.Select(x => reasons ? x.Because : null), items.Select(x => x.GetProperty("because").GetString()));
            Assert.Equal(expected.Source == "embedding" && reasons, items.All(x => x.GetProperty("because").ValueKind == JsonValueKind.String));
            for (var j = 0; j < items.Length; j++)
            {
                // Popularity decays with time between the two queries; a cosine score is the same number.
                Assert.Equal(expected.Items[j].Score, items[j].GetProperty("score").GetSingle(), Math.Abs(expected.Items[j].Score) * 1e-3f);
            }
        }
        var sources = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("source").GetString()).ToArray();
        Assert.Equal(11, sources.Count(s => s == "embedding"));
        Assert.Equal(19, sources.Count(s => s == "popularity"));
    }

    /// <summary>The silo host on free ports, with the client's default cluster and service ids, seeded with 60 items.</summary>
    public sealed class Silo : SiloFactory
    {
        protected override int SeedCount => 60;

        public IClusterClient Client => Services.GetRequiredService<IClusterClient>();

        public int GatewayPort => Services.GetRequiredService<IConfiguration>().GetValue<int>("Orleans:GatewayPort");

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            var defaults = new ActorsClusterOptions();
            builder.UseSetting("Orleans:ClusterId", defaults.ClusterId);
            builder.UseSetting("Orleans:ServiceId", defaults.ServiceId);
        }
    }
}

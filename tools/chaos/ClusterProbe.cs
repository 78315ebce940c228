using Actors.Hosting;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Actors.Chaos;

/// <summary>
/// An Orleans client on the run's cluster (Azure Table membership, as the CLI connects in the production profile): it
/// reads the membership and searches the index the way retrieval does, which the HTTP API cannot (its similar-items
/// answer leaves the item itself out).
/// </summary>
internal sealed class ClusterProbe : IAsyncDisposable
{
    /// <summary>How many hits a check asks for: its own embedding must put an item among them.</summary>
    private const int TopK = 10;

    /// <summary>The cosine of an item with its own indexed embedding, allowing for the index's F16 quantisation.</summary>
    private const float SameEmbedding = 0.99f;

    /// <summary>Orleans' Azure Table membership table (its default name).</summary>
    private const string MembershipTable = "OrleansSiloInstances";

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    private readonly IHost _host;
    private readonly IClusterClient _client;
    private bool _disposed;

    private ClusterProbe(IHost host)
    {
        _host = host;
        _client = host.Services.GetRequiredService<IClusterClient>();
    }

    public static async Task<ClusterProbe> ConnectAsync(string connectionString, string clusterId, string serviceId)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // The silos' own keys, read by the silos' own set-up (Actors.Hosting); the probe publishes no events, so the
        // in-memory stream it gets is never used.
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{AzureStorageConnection.Name}"] = connectionString,
            [$"{ActorsClusterOptions.Section}:{nameof(ActorsClusterOptions.Membership)}"] = nameof(ClusteringProvider.AzureTable),
            [$"{ActorsClusterOptions.Section}:{nameof(ActorsClusterOptions.ClusterId)}"] = clusterId,
            [$"{ActorsClusterOptions.Section}:{nameof(ActorsClusterOptions.ServiceId)}"] = serviceId,
        });
        builder.UseOrleansClient(client => client.UseActorsCluster(builder.Configuration));
        var host = builder.Build();
        await host.StartAsync();
        return new ClusterProbe(host);
    }

    /// <summary>
    /// The membership status of the silo listening on <paramref name="siloPort"/> as the membership table has it, null
    /// when it has no entry. Read from the table itself rather than through the cluster, which may be waiting on the
    /// very silo asked about (an Orleans client's call can go through its gateway).
    /// </summary>
    public static async Task<string?> StatusInTableAsync(string connectionString, string clusterId, int siloPort)
    {
        var table = new TableServiceClient(connectionString).GetTableClient(MembershipTable);
        string? status = null;
        var generation = long.MinValue;
        await foreach (var entry in table.QueryAsync<TableEntity>(e => e.PartitionKey == clusterId))
        {
            // A silo port is taken by one process at a time: the newest generation on it is the one asked about.
            if (entry.GetString("Port") == siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture)
                && long.TryParse(entry.GetString("Generation"), System.Globalization.CultureInfo.InvariantCulture, out var g) && g > generation)
            {
                generation = g;
                status = entry.GetString("Status");
            }
        }
        return status;
    }

    /// <summary>
    /// Why the item <paramref name="itemId"/> is not retrievable, or null when it is: it must exist with one of
    /// <paramref name="texts"/> (its latest acknowledged text, or one whose request ended without an answer), and a
    /// similarity search of its own item embedding over the whole index must return it among the top hits with that
    /// embedding's cosine and, where the index keeps one, its text. The search is retrieval's: one
    /// <see cref="ISiloSearchGrain"/> per active silo (every shard on that silo), then the shards none of them searched,
    /// directly. Reading the embedding activates the item grain; what that activation does (today: re-indexes only on
    /// a model or encoder change) is the system's own behaviour, not a repair by the check.
    /// </summary>
    public async Task<string?> WhyNotRetrievableAsync(string itemId, IReadOnlyCollection<string> texts, int shards)
    {
        var item = _client.GetGrain<IItemGrain>(itemId);
        var view = await item.GetAsync().WaitAsync(CallTimeout);
        if (view is null)
        {
            return "it does not exist";
        }
        if (!texts.Contains(view.Text))
        {
            return $"its stored text is not the last acknowledged one (it starts \"{Shorten(view.Text)}\")";
        }
        var embeddings = await item.GetEmbeddingsAsync().WaitAsync(CallTimeout);
        if (embeddings is null)
        {
            return "it has no embeddings";
        }

        var hosts = await _client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(CallTimeout);
        var covered = new HashSet<int>();
        var hits = new Dictionary<string, ScoredItem>(StringComparer.Ordinal);
        ScoredItem? held = null;
        foreach (var silo in hosts.Keys)
        {
            var answer = await _client.GetGrain<ISiloSearchGrain>(silo.ToParsableString())
                .SearchAsync(embeddings.Item, TopK, [], [itemId]).WaitAsync(CallTimeout);
            covered.UnionWith(answer.Shards);
            foreach (var hit in answer.Hits)
            {
                hits[hit.ItemId] = hit;
            }
            held ??= answer.Scored.FirstOrDefault(s => s.ItemId == itemId);
        }
        foreach (var shard in Enumerable.Range(0, shards).Where(s => !covered.Contains(s)))
        {
            var grain = _client.GetGrain<IIndexShardGrain>(shard);
            foreach (var hit in await grain.SearchAsync(embeddings.Item, TopK, []).WaitAsync(CallTimeout))
            {
                hits.TryAdd(hit.ItemId, new ScoredItem(hit.ItemId, hit.Score, ""));
            }
            if (held is null && (await grain.ScoreAsync(embeddings.Item, [itemId]).WaitAsync(CallTimeout)) is [var own, ..])
            {
                held = new ScoredItem(own.ItemId, own.Score, "");
            }
        }

        var top = hits.Values.OrderByDescending(h => h.Score).Take(TopK).ToArray();
        var found = top.FirstOrDefault(h => h.ItemId == itemId);
        if (found is null)
        {
            // Items with the same embedding tie at the top; one that holds its own embedding but lost the tie still counts.
            if (held is not null && held.Score >= SameEmbedding && top.Length == TopK && top[^1].Score >= held.Score - 1e-4f)
            {
                found = held;
            }
            else
            {
                return held is null
                    ? $"no shard holds it ({hosts.Count} active silos, shards {string.Join(',', covered.Order())} searched through them)"
                    : $"a shard holds it with cosine {held.Score:F3} to its own embedding, but it is not among the top {TopK}";
            }
        }
        if (found.Score < SameEmbedding)
        {
            return $"the index holds another embedding for it (cosine {found.Score:F3} with its own)";
        }
        if (found.Text.Length > 0 && found.Text != view.Text)
        {
            return $"the index shows another text for it (\"{Shorten(found.Text)}\")";
        }
        return null;
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        try
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _host.StopAsync(stop.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or OrleansException or TimeoutException)
        {
            // The cluster may be gone already.
        }
        _host.Dispose();
    }
}

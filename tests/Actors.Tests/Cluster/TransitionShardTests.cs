using Actors.Grains.Hosting;
using Actors.Grains.Transitions;
using Actors.Grains.Users;
using Actors.Ingest;
using Actors.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using static Actors.Tests.Infrastructure.TestKeys;

namespace Actors.Tests.Cluster;

/// <summary>
/// The item → next-item counts: fed by the user grains from applied events only, bounded per source, written to
/// grain storage by the flush timer and kept across a reactivation. Each test owns its source items.
/// </summary>
[Collection(FusionClusterCollectionDefinition.Name)]
public sealed class TransitionShardTests(FusionClusterFixture fixture)
{
    private IClusterClient Client => fixture.Client;

    private Task<Dictionary<string, int>> SuccessorsOf(string source) => TransitionReads.SuccessorsAsync(Client, source);

    [Fact]
    public async Task Transition_counts_are_flushed_to_storage_and_survive_a_reactivation_of_their_shard()
    {
        var (c, d, e) = (fixture.Seeded[50].Id, fixture.Seeded[51].Id, fixture.Seeded[52].Id);
        var events = new List<InteractionEvent>();
        foreach (var next in new[] { d, d, d, e })
        {
            var userId = Fresh("user");
            events.Add(Event(userId, c));
            events.Add(Event(userId, next));
        }
        var expected = new Dictionary<string, int>(StringComparer.Ordinal) { [d] = 3, [e] = 1 };

        await new EventPublisher(Client).PublishAsync(events);
        await Eventually.MatchesAsync(() => SuccessorsOf(c), got => TransitionReads.Same(expected, got), $"the successors of {c} to be {d} ×3 and {e} ×1");
        var shard = TransitionReads.ShardOf(Client, c);
        // Written by the flush timer while the shard stays active: a crash from here on loses nothing.
        await Eventually.MatchesAsync(() => StoredSuccessorsAsync(shard, c), got => TransitionReads.Same(expected, got), "the flush timer to write the counts to grain storage");

        await fixture.Cluster.DeactivateAsync(shard);

        Assert.Equal(expected, await SuccessorsOf(c));
    }

    [Fact]
    public async Task A_source_keeps_its_most_frequent_successors_up_to_the_limit()
    {
        // The shard counts whatever ids it is sent; successor i follows i + 1 times, recorded in that order, so each
        // newcomer beyond the limit evicts the then least frequent one.
        var source = Fresh("source");
        var limit = FusionClusterFixture.MaxSuccessorsPerItem;
        var successors = Enumerable.Range(0, limit + 5).Select(i => $"{source}-next-{i:D2}").ToArray();
        var transitions = successors.SelectMany((s, i) => Enumerable.Repeat(new ItemTransition(source, s), i + 1)).ToArray();

        await TransitionReads.ShardOf(Client, source).AsReference<ITransitionMaintenance>().RecordAsync(transitions);

        // One one-way message: it arrives whole or not at all.
        var kept = await Eventually.MatchesAsync(() => SuccessorsOf(source), got => got.Count > 0, $"the successors of {source}");
        var expected = successors.Select((s, i) => (s, Count: i + 1)).Skip(5).ToDictionary(p => p.s, p => p.Count, StringComparer.Ordinal);
        Assert.Equal(expected, kept);
    }

    [Fact]
    public async Task Only_applied_events_count_transitions_and_a_repeated_event_id_counts_none()
    {
        var userId = Fresh("user");
        var user = Client.GetGrain<IUserMaintenance>(userId);
        var (a, b) = (fixture.Seeded[60].Id, fixture.Seeded[61].Id);
        var first = Event(userId, a);
        var second = Event(userId, b);

        Assert.Equal(2, await user.ApplyAsync([first, second]));
        // Redeliveries and an unknown item: nothing applied, so nothing counted (a count would be B → B or B → A).
        Assert.Equal(0, await user.ApplyAsync([second]));
        Assert.Equal(0, await user.ApplyAsync([first, second, Event(userId, Fresh("no-such-item"))]));
        Assert.Equal(2, await user.ApplyAsync([Event(userId, a), Event(userId, b)]));

        var fromA = await Eventually.MatchesAsync(() => SuccessorsOf(a), got => got.GetValueOrDefault(b) >= 2, $"the second {a} → {b}");
        var fromB = await Eventually.MatchesAsync(() => SuccessorsOf(b), got => got.Count > 0, $"{b} → {a}");
        Assert.Equal(new Dictionary<string, int> { [b] = 2 }, fromA);
        Assert.Equal(new Dictionary<string, int> { [a] = 1 }, fromB);
    }

    /// <summary>The successors of <paramref name="source"/> as the shard's grain storage holds them.</summary>
    private async Task<Dictionary<string, int>> StoredSuccessorsAsync(ITransitionGrain shard, string source)
    {
        var services = fixture.Cluster.GetSiloServiceProvider(fixture.Cluster.Silos[0].SiloAddress);
        var storage = services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Actors);
        var stored = new GrainState<TransitionState>();
        await storage.ReadStateAsync("transitions", shard.GetGrainId(), stored);
        return stored.State?.Successors.GetValueOrDefault(source) ?? [];
    }
}

using System.Diagnostics.Metrics;
using Actors.Grains.Diagnostics;
using Actors.Grains.Users;
using Actors.Tests.Infrastructure;

namespace Actors.Tests.Events;

/// <summary>
/// What a user grain does with an event id it already holds: the same payload again is a duplicate, another item under
/// the same id a conflict (counted apart); neither changes the history. And what an unknown user's read leaves behind.
/// </summary>
public sealed class EventIdentityTests(FaultyStorageCluster cluster) : IClassFixture<FaultyStorageCluster>
{
    [Fact]
    public async Task The_same_event_id_with_another_item_is_counted_as_a_conflict_and_not_applied()
    {
        var userId = $"u-{Guid.NewGuid():N}";
        var user = cluster.Client.GetGrain<IUserGrain>(userId);
        var maintenance = cluster.Client.GetGrain<IUserMaintenance>(userId);
        var conflicts = 0L;
        var duplicates = 0L;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == ActorsInstruments.MeterName && instrument.Name is "actors.events.conflicts" or "actors.events.duplicates")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
        {
            if (instrument.Name == "actors.events.conflicts")
            {
                Interlocked.Add(ref conflicts, value);
            }
            else
            {
                Interlocked.Add(ref duplicates, value);
            }
        });
        listener.Start();

        var first = new InteractionEvent("e-1", userId, cluster.Seeded[0].Id, DateTimeOffset.UtcNow);
        Assert.Equal(1, await maintenance.ApplyAsync([first]));
        // The same event again (a retry, stamped anew), then the same id with another item, then that within one batch.
        Assert.Equal(0, await maintenance.ApplyAsync([first with { Timestamp = DateTimeOffset.UtcNow.AddSeconds(1) }]));
        Assert.Equal(0, await maintenance.ApplyAsync([first with { ItemId = cluster.Seeded[1].Id }]));
        var second = new InteractionEvent("e-2", userId, cluster.Seeded[2].Id, DateTimeOffset.UtcNow);
        Assert.Equal(1, await maintenance.ApplyAsync([second, second with { ItemId = cluster.Seeded[3].Id }]));
        listener.RecordObservableInstruments();

        var history = await user.GetHistoryAsync();
        Assert.Equal([(first.EventId, first.ItemId), (second.EventId, second.ItemId)], history.Select(h => (h.EventId, h.ItemId)));
        // Other tests' grains count into the same meter: at least ours, and this user's conflicts are not counted as duplicates.
        Assert.True(Interlocked.Read(ref conflicts) >= 2, $"{conflicts} conflicts counted");
        Assert.True(Interlocked.Read(ref duplicates) >= 1, $"{duplicates} duplicates counted");
    }

    [Fact]
    public async Task Reading_unknown_users_leaves_no_user_grain_activations_behind()
    {
        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        async Task<int> UserActivationsAsync() =>
            (await management.GetSimpleGrainStatistics()).Where(s => s.GrainType.Contains("UserGrain", StringComparison.Ordinal)).Sum(s => s.ActivationCount);
        var before = await UserActivationsAsync();

        var unknown = Enumerable.Range(0, 40).Select(_ => $"nobody-{Guid.NewGuid():N}").ToArray();
        var histories = await Task.WhenAll(unknown.Select(u => cluster.Client.GetGrain<IUserGrain>(u).GetHistoryAsync()));
        Assert.All(histories, Assert.Empty);
        var profiles = await Task.WhenAll(unknown.Select(u => cluster.Client.GetGrain<IUserGrain>(u).GetProfileAsync()));
        Assert.All(profiles, p => Assert.Null(p.Embedding));

        // Each activation goes once its read is answered, not after the collection age.
        await Eventually.MatchesAsync(UserActivationsAsync, n => n <= before, $"the user grain activations back to {before} after 40 unknown users' reads");
    }
}

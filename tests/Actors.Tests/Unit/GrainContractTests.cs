using System.Reflection;
using Actors.Grains.Items;
using Actors.Grains.Partitions;
using Actors.VectorIndex;

namespace Actors.Tests.Unit;

/// <summary>
/// The public grain contracts hold what an external client needs, nothing the cluster keeps to itself; the cluster's
/// own interfaces live in the grains assembly, each refused to external clients; the partitioned counts move alike.
/// </summary>
public sealed class GrainContractTests
{
    private static readonly Type[] PublicContracts = GrainInterfaces(typeof(IItemGrain).Assembly);

    private static readonly Type[] ClusterInterfaces = GrainInterfaces(typeof(IItemMaintenance).Assembly);

    [Fact]
    public void No_public_contract_carries_a_cluster_internal_method()
    {
        Assert.NotEmpty(PublicContracts);
        var marked = PublicContracts
            .SelectMany(t => t.GetMethods())
            .Where(m => m.IsDefined(typeof(ClusterInternalAttribute), inherit: false))
            .Select(m => $"{m.DeclaringType!.Name}.{m.Name}");
        Assert.Empty(marked);
        // The bulk import is the one whole contract the cluster guards: the command-line import, a trusted tool, calls it.
        Assert.Equal([nameof(IItemImportGrain)], PublicContracts.Where(t => t.IsDefined(typeof(ClusterInternalAttribute), inherit: false)).Select(t => t.Name));
    }

    [Fact]
    public void Every_grain_interface_of_the_grains_assembly_is_refused_to_external_clients()
    {
        Assert.NotEmpty(ClusterInterfaces);
        Assert.Empty(ClusterInterfaces.Where(t => !t.IsDefined(typeof(ClusterInternalAttribute), inherit: false)).Select(t => t.Name));
        // Only the sample import's coordinator is public (the silo's import service calls it); the rest are internal.
        Assert.Equal(["ISampleImportGrain"], ClusterInterfaces.Where(t => t.IsPublic).Select(t => t.Name));
    }

    [Fact]
    public async Task A_repartition_hands_each_misplaced_entry_to_its_owner_and_forgets_only_what_was_adopted()
    {
        var entries = Enumerable.Range(0, 200).ToDictionary(i => $"item-{i}", i => i, StringComparer.Ordinal);
        var staying = entries.Keys.Where(k => Partitioner.ShardOf(k, 3) == 1).ToHashSet(StringComparer.Ordinal);
        var adopted = new Dictionary<int, KeyValuePair<string, int>[]>();

        var moved = await Repartition.MoveMisplacedAsync(entries, self: 1, partitions: 3, (owner, batch) =>
        {
            lock (adopted)
            {
                adopted.Add(owner, batch);
            }
            return Task.CompletedTask;
        });

        Assert.Equal(200 - staying.Count, moved);
        Assert.Equal(staying.Order(), entries.Keys.Order());
        Assert.Equal([0, 2], adopted.Keys.Order());
        foreach (var (owner, batch) in adopted)
        {
            Assert.All(batch, pair => Assert.Equal(owner, Partitioner.ShardOf(pair.Key, 3)));
            Assert.All(batch, pair => Assert.Equal(int.Parse(pair.Key["item-".Length..], System.Globalization.CultureInfo.InvariantCulture), pair.Value));
        }

        // One owner of several fails to adopt: nothing is forgotten, not even what the others took (counted twice, never lost).
        var before = entries.Count;
        await Assert.ThrowsAsync<InvalidOperationException>(() => Repartition.MoveMisplacedAsync(entries, self: 0, partitions: 5,
            (owner, _) => owner == 2 ? Task.FromException(new InvalidOperationException("owner down")) : Task.CompletedTask));
        Assert.Equal(before, entries.Count);
        Assert.Equal(0, await Repartition.MoveMisplacedAsync(entries, self: 1, partitions: 3, (_, _) => throw new InvalidOperationException("nothing to move")));
    }

    private static Type[] GrainInterfaces(Assembly assembly) =>
        [.. assembly.GetTypes().Where(t => t.IsInterface && typeof(IGrain).IsAssignableFrom(t) && t.Namespace?.StartsWith("Actors", StringComparison.Ordinal) == true)];
}

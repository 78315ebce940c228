using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Actors.Grains.Placement;

/// <summary>
/// Places integer-keyed grains round-robin over the compatible silos in address order: key n goes to silo n mod count
/// (of the key's low 32 bits: index shards of every model slot with the same shard number share a silo),
/// so a few large partitions (the index shards) land one per silo instead of by hash, which may stack them. Like hash
/// placement it is decided at activation only: a silo that joins later gets shards as they next activate.
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class SpreadPlacement : PlacementStrategy
{
    internal static SpreadPlacement Instance { get; } = new();
}

/// <summary>Marks a grain class as placed by <see cref="SpreadPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SpreadPlacementAttribute() : PlacementAttribute(SpreadPlacement.Instance);

/// <summary>Chooses silo n mod count, in address order, for the grain with integer key n.</summary>
internal sealed class SpreadPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target).Order().ToArray();
        if (silos.Length == 0)
        {
            throw new SiloUnavailableException($"No compatible silo for {target.GrainIdentity}.");
        }
        var n = (uint)(target.GrainIdentity.GetIntegerKey() & 0xFFFF_FFFF);
        return Task.FromResult(silos[(int)(n % (uint)silos.Length)]);
    }
}

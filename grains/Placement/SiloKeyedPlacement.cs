using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Actors.Grains.Placement;

/// <summary>
/// Places a string-keyed grain on the silo its key names (<see cref="SiloAddress.ToParsableString"/>): one activation
/// per silo that any silo can address, for work that must run beside that silo's memory (its index shards). A key naming
/// a silo that is not in the cluster (gone, or not yet known here) is refused with <see cref="SiloUnavailableException"/>
/// rather than placed elsewhere, where it would read the wrong silo's memory.
/// </summary>
[Serializable, GenerateSerializer, Immutable, SuppressReferenceTracking]
public sealed class SiloKeyedPlacement : PlacementStrategy
{
    internal static SiloKeyedPlacement Instance { get; } = new();

    /// <summary>The grain key that addresses <paramref name="silo"/>.</summary>
    public static string KeyOf(SiloAddress silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        return silo.ToParsableString();
    }
}

/// <summary>Marks a grain class as placed by <see cref="SiloKeyedPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SiloKeyedPlacementAttribute() : PlacementAttribute(SiloKeyedPlacement.Instance);

/// <summary>Chooses the silo a <see cref="SiloKeyedPlacement"/> grain's key names.</summary>
internal sealed class SiloKeyedPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString();
        SiloAddress named;
        try
        {
            named = SiloAddress.FromParsableString(key);
        }
        catch (FormatException ex)
        {
            throw new ArgumentException($"Grain {target.GrainIdentity} is placed by silo address, but its key '{key}' is not one (expected SiloAddress.ToParsableString()).", nameof(target), ex);
        }
        foreach (var silo in context.GetCompatibleSilos(target))
        {
            if (silo.Equals(named))
            {
                return Task.FromResult(silo);
            }
        }
        throw new SiloUnavailableException($"Grain {target.GrainIdentity} belongs on silo {named}, which is not an active compatible silo.");
    }
}

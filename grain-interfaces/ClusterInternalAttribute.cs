namespace Actors;

/// <summary>
/// A grain method (or every method of a grain interface) that only the cluster itself calls: grains, the silos' own
/// services and the HTTP API hosted in a silo. A call from an external Orleans client (one connected through a gateway)
/// is refused unless <c>Orleans:TrustExternalClients</c> is set. Most such interfaces are internal to the grains
/// assembly (its <c>I*Maintenance</c> interfaces: shard upserts, counts, event application, migrations; the encoders),
/// so a client cannot even name them and this is the second line; the one public contract marked is the bulk import
/// (<see cref="IItemImportGrain"/>: arbitrary vectors), which an operator's trusted tool calls.
/// </summary>
[AttributeUsage(AttributeTargets.Interface | AttributeTargets.Method, Inherited = false)]
public sealed class ClusterInternalAttribute : Attribute;

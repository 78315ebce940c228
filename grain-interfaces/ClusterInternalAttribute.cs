namespace Actors;

/// <summary>
/// A grain method (or every method of a grain interface) that only the cluster itself calls: grains, the silos' own
/// services and the HTTP API hosted in a silo. A call from an external Orleans client (one connected through a gateway)
/// is refused unless <c>Orleans:TrustExternalClients</c> is set. Writes that skip the API's checks (shard upserts,
/// batch imports of arbitrary vectors, counts, event application) and costly work (encoding) are marked; reads and
/// the writes that validate their input themselves are not.
/// </summary>
[AttributeUsage(AttributeTargets.Interface | AttributeTargets.Method, Inherited = false)]
public sealed class ClusterInternalAttribute : Attribute;

using System.Collections.Concurrent;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace Actors.Grains.Hosting;

/// <summary>Who may call the cluster's grains (section <c>Orleans</c>).</summary>
public sealed class ClusterAccessOptions
{
    public const string Section = "Orleans";

    /// <summary>
    /// Whether external Orleans clients may call <see cref="ClusterInternalAttribute"/> methods too: for an operator's
    /// tool, load harnesses and tests that act as the cluster. Default false. This is a guard against mistakes and
    /// casual misuse, not authentication: a client chooses its own identity, so whoever reaches the gateway port must
    /// already be trusted (mutual TLS, <c>Orleans:Tls</c>, and the network boundary in the README).
    /// </summary>
    public bool TrustExternalClients { get; set; }
}

/// <summary>
/// Refuses calls to <see cref="ClusterInternalAttribute"/> methods that come from an external client. A call's source
/// is a grain, a silo's system target, the client each silo hosts for its own services (the HTTP API; Orleans names it
/// <c>hosted-{silo address}</c>) or an external client (a random key): only the last is refused.
/// </summary>
internal sealed class ClusterInternalCallFilter(IOptions<ClusterAccessOptions> options) : IIncomingGrainCallFilter
{
    private const string HostedClientPrefix = "hosted-";

    // Orleans' client ids (ClientGrainId, internal) are grain ids of type "sys.client".
    private static readonly GrainType ClientType = GrainType.Create("sys.client");

    private static readonly ConcurrentDictionary<MethodInfo, bool> Internal = new();

    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (!options.Value.TrustExternalClients
            && context.SourceId is { } source
            && IsExternalClient(source)
            && context.InterfaceMethod is { } method
            && Internal.GetOrAdd(method, static m => m.IsDefined(typeof(ClusterInternalAttribute), inherit: false)
                || m.DeclaringType?.IsDefined(typeof(ClusterInternalAttribute), inherit: false) == true))
        {
            throw new UnauthorizedAccessException(
                $"{context.InterfaceName}.{context.MethodName} is called by the cluster only, not by external clients; use the HTTP API " +
                "(or set Orleans:TrustExternalClients for a trusted operator's tool).");
        }
        return context.Invoke();
    }

    private static bool IsExternalClient(GrainId source) =>
        source.Type.Equals(ClientType) && !source.Key.ToString().StartsWith(HostedClientPrefix, StringComparison.Ordinal);
}

using System.Net;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Orleans.Configuration;

namespace Actors.Hosting;

/// <summary>
/// How a silo joins the cluster and a client reaches it, from the same keys (<see cref="ActorsClusterOptions"/>,
/// <see cref="ClusterTlsOptions"/>, <see cref="StreamsOptions"/>): membership, mutual TLS and the event stream.
/// </summary>
public static class ActorsClusterExtensions
{
    /// <summary>
    /// Membership as <c>Orleans:Membership</c> chooses it on the configured silo and gateway ports, mutual TLS when
    /// <c>Orleans:Tls:Enabled</c>, and the event stream as <c>Streams:Provider</c> chooses it. Grain storage is the
    /// silo host's (it is the only process with grain state).
    /// </summary>
    public static ISiloBuilder UseActorsCluster(this ISiloBuilder silo, IConfiguration configuration) =>
        silo.UseActorsClustering(configuration)
            .UseActorsTls(configuration)
            .AddActorsStreams(configuration);

    /// <summary>
    /// The client's side of <see cref="UseActorsCluster(ISiloBuilder, IConfiguration)"/>: the same membership (the gateway
    /// on <paramref name="gatewayOverride"/> instead of <c>Orleans:GatewayPort</c> when given, localhost membership
    /// only), TLS and event stream.
    /// </summary>
    public static IClientBuilder UseActorsCluster(this IClientBuilder client, IConfiguration configuration, int? gatewayOverride = null) =>
        client.UseActorsClustering(configuration, gatewayOverride)
            .UseActorsTls(configuration)
            .AddActorsStreams(configuration);

    /// <summary>Membership as <c>Orleans:Membership</c> chooses it, on the configured silo and gateway ports.</summary>
    public static ISiloBuilder UseActorsClustering(this ISiloBuilder silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var options = ActorsClusterOptions.Read(configuration);
        switch (options.Membership)
        {
            case ClusteringProvider.Localhost:
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
                break;
            case ClusteringProvider.AzureTable:
                if (!IPAddress.TryParse(options.AdvertisedIPAddress, out var address))
                {
                    throw new InvalidOperationException($"Orleans:AdvertisedIPAddress '{options.AdvertisedIPAddress}' is not an IP address.");
                }
                var connectionString = AzureStorageConnection.Require(configuration, "Orleans:Membership=AzureTable");
                silo.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(connectionString));
                silo.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = options.ClusterId;
                    o.ServiceId = options.ServiceId;
                });
                silo.ConfigureEndpoints(address, options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: false);
                break;
            default:
                throw new InvalidOperationException($"Orleans:Membership '{options.Membership}' is not one of Localhost, AzureTable.");
        }
        return silo;
    }

    /// <summary>
    /// The gateways the silos of <see cref="UseActorsClustering(ISiloBuilder, IConfiguration)"/> offer: the one on
    /// <c>Orleans:GatewayPort</c> (or <paramref name="gatewayOverride"/>) of this machine with localhost membership,
    /// those the membership table lists with AzureTable.
    /// </summary>
    public static IClientBuilder UseActorsClustering(this IClientBuilder client, IConfiguration configuration, int? gatewayOverride = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        var options = ActorsClusterOptions.Read(configuration);
        switch (options.Membership)
        {
            case ClusteringProvider.Localhost:
                client.UseLocalhostClustering(gatewayOverride ?? options.GatewayPort, serviceId: options.ServiceId, clusterId: options.ClusterId);
                break;
            case ClusteringProvider.AzureTable:
                var connectionString = AzureStorageConnection.Require(configuration, "Orleans:Membership=AzureTable");
                client.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(connectionString));
                client.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = options.ClusterId;
                    o.ServiceId = options.ServiceId;
                });
                break;
            default:
                throw new InvalidOperationException($"Orleans:Membership '{options.Membership}' is not one of Localhost, AzureTable.");
        }
        return client;
    }
}

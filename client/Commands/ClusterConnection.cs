using Actors.Grains.Hosting;
using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Actors.Client.Commands;

/// <summary>Connects an Orleans client to the cluster named in appsettings.json (section <c>Orleans</c>).</summary>
internal static class ClusterConnection
{
    public static async Task<IHost> ConnectAsync(string? gateway, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            DisableDefaults = false,
        });
        // The console is the command's output: only problems from the host and Orleans belong there.
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("Orleans", LogLevel.Warning);
        var section = builder.Configuration.GetSection("Orleans");
        var gatewayPort = section.GetValue("GatewayPort", 30000);
        if (gateway is not null)
        {
            gatewayPort = int.Parse(gateway, System.Globalization.CultureInfo.InvariantCulture);
        }
        var configuration = builder.Configuration;
        builder.UseOrleansClient(client =>
        {
            // The same keys as the silo: Orleans:Membership chooses localhost or Azure Table membership, Streams:Provider the stream.
            if (string.Equals(section["Membership"], "AzureTable", StringComparison.OrdinalIgnoreCase))
            {
                var connectionString = AzureStorageConnection.Require(configuration, "Orleans:Membership=AzureTable");
                client.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(connectionString));
                client.Configure<ClusterOptions>(o =>
                {
                    o.ServiceId = section.GetValue("ServiceId", "actors")!;
                    o.ClusterId = section.GetValue("ClusterId", "actors-local")!;
                });
            }
            else
            {
                client.UseLocalhostClustering(
                    gatewayPort,
                    serviceId: section.GetValue("ServiceId", "actors")!,
                    clusterId: section.GetValue("ClusterId", "actors-local")!);
            }
            // Orleans:Tls as the silos have it: a cluster with TLS refuses a client without a trusted certificate.
            client.UseActorsTls(configuration);
            client.AddActorsStreams(configuration);
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            host.Dispose();
            throw new ClusterUnavailableException(
                $"Cannot reach the cluster's gateway on 127.0.0.1:{gatewayPort} ({ex.Message}). Is a silo running? Start one with: dotnet run --project silo. A cluster with Orleans:Tls:Enabled needs the same setting and a trusted certificate here.",
                ex);
        }
        return host;
    }

    public static IClusterClient Client(this IHost host) => host.Services.GetRequiredService<IClusterClient>();
}

/// <summary>The cluster could not be reached; the message says where it was looked for.</summary>
internal sealed class ClusterUnavailableException(string message, Exception inner) : Exception(message, inner);

using System.Diagnostics;
using Actors.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Actors.Client.Commands;

/// <summary>Connects an Orleans client to the cluster named in appsettings.json (section <c>Orleans</c>).</summary>
internal static class ClusterConnection
{
    /// <summary>
    /// How long a command keeps trying to reach a gateway (a silo still starting, a rolling restart) before it gives up
    /// with a message; Orleans' client on its own retries until cancelled.
    /// </summary>
    private static readonly TimeSpan ConnectPatience = TimeSpan.FromSeconds(15);

    public static async Task<IHost> ConnectAsync(string? gateway, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            DisableDefaults = false,
        });
        // The console is the command's output: only problems from the host and Orleans belong there.
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning).AddFilter("Orleans", LogLevel.Warning)
            // A gateway that does not answer is said once, by the message below, not by a stack trace per attempt.
            .AddFilter("Orleans.Runtime.Messaging", LogLevel.Error).AddFilter("Microsoft.Extensions.Hosting", LogLevel.None);
        int? gatewayOverride = gateway is null ? null : int.Parse(gateway, System.Globalization.CultureInfo.InvariantCulture);
        var gatewayPort = gatewayOverride ?? ActorsClusterOptions.Read(builder.Configuration).GatewayPort;
        // The silos' own keys (Actors.Hosting): Orleans:Membership, Orleans:Tls (a cluster with TLS refuses a client
        // without a trusted certificate) and Streams:Provider, for the events this client publishes.
        builder.UseOrleansClient(client => client.UseActorsCluster(builder.Configuration, gatewayOverride)
            .UseConnectionRetryFilter(RetryFor(ConnectPatience)));
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

    private static Func<Exception, CancellationToken, Task<bool>> RetryFor(TimeSpan patience)
    {
        var watch = Stopwatch.StartNew();
        return async (_, cancellationToken) =>
        {
            if (watch.Elapsed >= patience)
            {
                return false;
            }
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            return true;
        };
    }

    public static IClusterClient Client(this IHost host) => host.Services.GetRequiredService<IClusterClient>();
}

/// <summary>The cluster could not be reached; the message says where it was looked for.</summary>
internal sealed class ClusterUnavailableException(string message, Exception inner) : Exception(message, inner);

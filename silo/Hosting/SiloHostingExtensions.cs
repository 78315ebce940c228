using System.Net;
using Actors.Grains.Hosting;
using Actors.Ingest;
using Actors.Silo.Api;
using Actors.Silo.Import;
using Azure.Data.Tables;
using Orleans.Configuration;

namespace Actors.Silo.Hosting;

/// <summary>Wires the silo host: Orleans with the recommender's grains, the HTTP API, the sample import and health.</summary>
internal static class SiloHostingExtensions
{
    public static WebApplicationBuilder AddActorsSilo(this WebApplicationBuilder builder)
    {
        var siloOptions = builder.Configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
        builder.UseOrleans(silo =>
        {
            silo.UseActorsClustering(siloOptions);
            silo.AddActors();
            silo.AddActorsProviders();
        });

        builder.Services.AddOptions<CatalogOptions>().BindConfiguration(CatalogOptions.Section);
        builder.Services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section)
            .Validate(o => o.MaxEventsPerRequest > 0 && o.MaxBodyBytes > 0 && o.MaxK > 0, "Api limits (MaxBodyBytes, MaxEventsPerRequest, MaxK) must be positive.")
            .Validate(o => !o.RequireApiKey || !string.IsNullOrWhiteSpace(o.ApiKey),
                "Api:RequireApiKey is set but no Api:ApiKey is configured: set one through the environment (Api__ApiKey) or a secret store.")
            .Validate(o => o.ApiKey is null || o.ApiKey.Trim().Length >= 16, "Api:ApiKey must be at least 16 characters.")
            .Validate(o => o.MaxClockSkew >= TimeSpan.Zero && o.MaxClockSkew <= TimeSpan.FromDays(1), "Api:MaxClockSkew must be in 00:00:00..1.00:00:00.")
            .ValidateOnStart();
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
            kestrel.Limits.MaxRequestBodySize = context.Configuration.GetSection(ApiOptions.Section).Get<ApiOptions>()?.MaxBodyBytes ?? new ApiOptions().MaxBodyBytes);

        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<Readiness>();
        builder.Services.AddSingleton(sp => new EventPublisher(sp.GetRequiredService<IClusterClient>()));
        builder.Services.AddSingleton(sp => new CatalogImporter(sp.GetRequiredService<IClusterClient>()));
        builder.Services.AddHostedService<SampleCatalogService>();
        builder.Services.AddHealthChecks().AddCheck<ReadinessHealthCheck>("ready");
        return builder;
    }

    /// <summary>Membership as <c>Orleans:Membership</c> chooses it, on the configured silo and gateway ports.</summary>
    private static ISiloBuilder UseActorsClustering(this ISiloBuilder silo, SiloOptions options)
    {
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
                var connectionString = AzureStorageConnection.Require(silo.Configuration, "Orleans:Membership=AzureTable");
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
}

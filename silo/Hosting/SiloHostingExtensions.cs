using System.Net;
using Actors.Grains.Hosting;
using Actors.Hosting;
using Actors.Ingest;
using Actors.Silo.Api;
using Actors.Silo.Import;
using Orleans.Configuration;

namespace Actors.Silo.Hosting;

/// <summary>Wires the silo host: Orleans with the recommender's grains, the HTTP API, the sample import and health.</summary>
internal static class SiloHostingExtensions
{
    public static WebApplicationBuilder AddActorsSilo(this WebApplicationBuilder builder)
    {
        RequireClusterBoundary(builder.Configuration, ActorsClusterOptions.Read(builder.Configuration));
        builder.UseOrleans(silo =>
        {
            // Membership, TLS and the event stream as clients have them (Actors.Hosting), then the grains and their state.
            silo.UseActorsCluster(builder.Configuration);
            silo.AddActors();
            silo.AddActorsGrainStorage(builder.Configuration);
            // Orleans' own memory-pressure shedding of idle activations (off unless Orleans:GrainCollection says so).
            silo.Services.Configure<GrainCollectionOptions>(builder.Configuration.GetSection("Orleans:GrainCollection"));
        });

        builder.Services.AddOptions<CatalogOptions>().BindConfiguration(CatalogOptions.Section)
            .Validate(o => o.LeaseDuration > TimeSpan.Zero && o.RetryDelay > TimeSpan.Zero && o.MaxRetryDelay >= o.RetryDelay,
                "Catalog:LeaseDuration and RetryDelay must be positive, MaxRetryDelay at least RetryDelay.")
            .ValidateOnStart();
        builder.Services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section)
            .Validate(o => o.MaxEventsPerRequest > 0 && o.MaxBodyBytes > 0 && o.MaxK > 0, "Api limits (MaxBodyBytes, MaxEventsPerRequest, MaxK) must be positive.")
            .Validate(o => !o.RequireApiKey || !string.IsNullOrWhiteSpace(o.ApiKey),
                "Api:RequireApiKey is set but no Api:ApiKey is configured: set one through the environment (Api__ApiKey) or a secret store.")
            .Validate(o => o.ApiKey is null || o.ApiKey.Trim().Length >= 16, "Api:ApiKey must be at least 16 characters.")
            .Validate(o => o.MaxClockSkew >= TimeSpan.Zero && o.MaxClockSkew <= TimeSpan.FromDays(1), "Api:MaxClockSkew must be in 00:00:00..1.00:00:00.")
            .Validate(o => o.AnswerTextLength > 0, "Api:AnswerTextLength must be positive.")
            .Validate(o => o.RateLimit.PermitsPerSecond >= 0 && o.RateLimit.LoopbackPermitsPerSecond >= 0 && o.RateLimit.BurstSeconds > 0,
                "Api:RateLimit:PermitsPerSecond and LoopbackPermitsPerSecond must be 0 (no limit) or more, BurstSeconds positive.")
            .Validate(o => (long)Math.Max(o.RateLimit.PermitsPerSecond, o.RateLimit.LoopbackPermitsPerSecond) * o.RateLimit.BurstSeconds <= int.MaxValue,
                "Api:RateLimit: PermitsPerSecond (and LoopbackPermitsPerSecond) times BurstSeconds must not exceed 2147483647, the largest bucket.")
            .ValidateOnStart();
        builder.Services.AddActorsRateLimiting();
        builder.Services.AddActorsApiJson();
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
            kestrel.Limits.MaxRequestBodySize = context.Configuration.GetSection(ApiOptions.Section).Get<ApiOptions>()?.MaxBodyBytes ?? new ApiOptions().MaxBodyBytes);

        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ClusterUnavailableHandler>();
        builder.Services.AddSingleton<Readiness>();
        builder.Services.AddSingleton(sp => new EventPublisher(sp.GetRequiredService<IClusterClient>()));
        builder.Services.AddSingleton(sp => new CatalogImporter(sp.GetRequiredService<IClusterClient>()));
        builder.Services.AddHostedService<SampleCatalogService>();
        builder.Services.AddHealthChecks().AddCheck<ReadinessHealthCheck>("ready");
        return builder;
    }

    /// <summary>
    /// Refuses to start with a boundary that lets strangers in: <c>AllowedHosts</c> "*" where <c>Api:RequireAllowedHosts</c>
    /// (a DNS-rebinding page could then drive the API from a browser inside the network), or Orleans ports off loopback
    /// without TLS where <c>Orleans:Tls:RequiredOffLoopback</c> (anyone reaching them could call any grain method).
    /// </summary>
    private static void RequireClusterBoundary(ConfigurationManager configuration, ActorsClusterOptions silo)
    {
        if (configuration.GetValue<bool>($"{ApiOptions.Section}:{nameof(ApiOptions.RequireAllowedHosts)}"))
        {
            var hosts = configuration["AllowedHosts"];
            if (string.IsNullOrWhiteSpace(hosts) || hosts.Split(';', StringSplitOptions.TrimEntries).Contains("*"))
            {
                throw new InvalidOperationException(
                    $"AllowedHosts is '{hosts}', but Api:RequireAllowedHosts is set: list the host names clients use for this API (e.g. AllowedHosts=\"api.example.com;localhost\"), separated by ';'.");
            }
        }
        var tls = configuration.GetSection(ClusterTlsOptions.Section).Get<ClusterTlsOptions>() ?? new ClusterTlsOptions();
        if (tls.RequiredOffLoopback && !tls.Enabled && silo.Membership != ClusteringProvider.Localhost
            && !(IPAddress.TryParse(silo.AdvertisedIPAddress, out var address) && IPAddress.IsLoopback(address)))
        {
            throw new InvalidOperationException(
                $"Orleans:AdvertisedIPAddress is {silo.AdvertisedIPAddress}, off loopback, and Orleans:Tls:RequiredOffLoopback is set, but TLS is off: set Orleans:Tls:Enabled=true with Orleans:Tls:CertificatePath (or CertificateSubject) so that only holders of a trusted certificate reach the silo and gateway ports.");
        }
    }
}

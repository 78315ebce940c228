using Actors.Grains.Hosting;
using Actors.Ingest;
using Actors.Silo.Api;
using Actors.Silo.Import;

namespace Actors.Silo.Hosting;

/// <summary>Wires the silo host: Orleans with the recommender's grains, the HTTP API, the sample import and health.</summary>
internal static class SiloHostingExtensions
{
    public static WebApplicationBuilder AddActorsSilo(this WebApplicationBuilder builder)
    {
        var siloOptions = builder.Configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloOptions.SiloPort, siloOptions.GatewayPort, serviceId: siloOptions.ServiceId, clusterId: siloOptions.ClusterId);
            silo.AddActors();
            silo.AddActorsInMemoryProviders();
        });

        builder.Services.AddOptions<CatalogOptions>().BindConfiguration(CatalogOptions.Section);
        builder.Services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section)
            .Validate(o => o.MaxEventsPerRequest > 0 && o.MaxBodyBytes > 0, "Api limits must be positive.")
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

}

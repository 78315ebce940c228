using Actors.Encoder;
using Actors.Grains.Diagnostics;
using Actors.Silo.Web;
using Orleans.Dashboard;
using OpenTelemetry.Metrics;
using Scalar.AspNetCore;

namespace Actors.Silo.Hosting;

/// <summary>The silo's windows for people: the explorer page, the Orleans Dashboard, Prometheus metrics and the OpenAPI document.</summary>
internal static class ObservabilityExtensions
{
    public static WebApplicationBuilder AddActorsObservability(this WebApplicationBuilder builder)
    {
        builder.UseOrleans(silo => silo.AddDashboard());
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ActorsInstruments.MeterName, EncoderInstruments.MeterName, "Microsoft.Orleans")
            .AddAspNetCoreInstrumentation()
            .AddRuntimeInstrumentation()
            .AddPrometheusExporter());
        builder.Services.AddOpenApi();
        builder.Services.AddSingleton<SampleUsers>();
        return builder;
    }

    public static WebApplication MapActorsObservability(this WebApplication app)
    {
        app.UseDefaultFiles();
        app.UseStaticFiles();
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapOpenApi();
        app.MapScalarApiReference();
        app.MapOrleansDashboard(routePrefix: "/dashboard");
        app.MapGet("/samples", (SampleUsers samples) => TypedResults.Ok(new SamplesResponse(samples.Users)))
            .WithTags("Explorer")
            .WithSummary("A few sample users for the explorer page.");
        return app;
    }
}

/// <summary>The answer of <c>GET /samples</c>.</summary>
public sealed record SamplesResponse(IReadOnlyList<string> Users);

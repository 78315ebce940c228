using System.Globalization;
using System.Net.Http.Json;
using Actors.Dataset;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Actors.Tests.Infrastructure;

/// <summary>
/// The real silo host (Orleans, grains, ONNX encoder, HTTP API) on free ports, without the sample import,
/// seeded with a few catalog items through its own API. Subclasses change the settings and the seeding.
/// </summary>
public class SiloFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly int _siloPort = FreePorts.Next();
    private readonly int _gatewayPort = FreePorts.Next();
    private IReadOnlyList<CatalogItem>? _seeded;

    /// <summary>The catalog items put through <c>PUT /items</c> before the tests run.</summary>
    public IReadOnlyList<CatalogItem> Seeded => _seeded ??= UniSRecDataset.Load(RepositoryPaths.Scientific).Items.Take(SeedCount).ToArray();

    protected virtual int SeedCount => 10;

    /// <summary>Configuration on top of the silo's defaults (ports and cluster id are always fresh).</summary>
    protected virtual Dictionary<string, string> Settings() => new()
    {
        ["Catalog:ImportWhenEmpty"] = "false",
        ["Api:MaxEventsPerRequest"] = "50",
        ["Items:MaxTextLength"] = "2000",
    };

    /// <summary>The client that seeds the catalog.</summary>
    protected virtual HttpClient CreateSeedingClient() => CreateClient();

    /// <summary>The text a seeded item is stored with.</summary>
    protected virtual string SeedText(CatalogItem item) => item.Text;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Orleans:SiloPort", _siloPort.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Orleans:GatewayPort", _gatewayPort.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Orleans:ClusterId", $"{GetType().Name}-{Guid.NewGuid():N}");
        foreach (var (key, value) in Settings())
        {
            builder.UseSetting(key, value);
        }
    }

    public async Task InitializeAsync()
    {
        using var client = CreateSeedingClient();
        await Eventually.MatchesAsync(() => client.GetAsync(new Uri("/health", UriKind.Relative)), r => r.IsSuccessStatusCode, "the silo to report healthy", TimeSpan.FromSeconds(60));
        foreach (var item in Seeded)
        {
            using var response = await client.PutAsJsonAsync(new Uri($"/items/{item.Id}", UriKind.Relative), new { text = SeedText(item) });
            response.EnsureSuccessStatusCode();
        }
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}

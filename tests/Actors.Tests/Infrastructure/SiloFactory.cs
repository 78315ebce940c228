using System.Net.Http.Json;
using System.Globalization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Actors.Tests.Infrastructure;

/// <summary>
/// The real silo host (Orleans, grains, ONNX encoder, HTTP API) on free ports, without the sample import,
/// seeded with a few catalog items through its own API.
/// </summary>
public sealed class SiloFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    private readonly int _siloPort = FreePorts.Next();
    private readonly int _gatewayPort = FreePorts.Next();

    public IReadOnlyList<Actors.Dataset.CatalogItem> Seeded { get; } =
        Actors.Dataset.UniSRecDataset.Load(RepositoryPaths.Scientific).Items.Take(10).ToArray();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Orleans:SiloPort", _siloPort.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Orleans:GatewayPort", _gatewayPort.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Orleans:ClusterId", $"api-tests-{Guid.NewGuid():N}");
        builder.UseSetting("Catalog:ImportWhenEmpty", "false");
        builder.UseSetting("Api:MaxEventsPerRequest", "50");
        builder.UseSetting("Items:MaxTextLength", "2000");
    }

    public async Task InitializeAsync()
    {
        using var client = CreateClient();
        await Eventually.MatchesAsync(() => client.GetAsync(new Uri("/health", UriKind.Relative)), r => r.IsSuccessStatusCode, "the silo to report healthy", TimeSpan.FromSeconds(60));
        foreach (var item in Seeded)
        {
            using var response = await client.PutAsJsonAsync(new Uri($"/items/{item.Id}", UriKind.Relative), new { text = item.Text });
            response.EnsureSuccessStatusCode();
        }
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}

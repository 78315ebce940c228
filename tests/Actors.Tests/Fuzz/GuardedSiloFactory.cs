using System.Globalization;
using System.Net.Http.Json;
using Actors.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Actors.Tests.Fuzz;

/// <summary>
/// The real silo host with an API key and small limits, so that generated requests reach every limit quickly;
/// seeded with a few catalog items through its own API.
/// </summary>
public sealed class GuardedSiloFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string ApiKey = "fuzz-test-key-0123456789abcdef";
    public const int MaxBodyBytes = 64 * 1024;
    public const int MaxEventsPerRequest = 20;
    public const int MaxTextLength = 500;
    public const int MaxK = 100;

    private readonly int _siloPort = FreePorts.Next();
    private readonly int _gatewayPort = FreePorts.Next();

    public IReadOnlyList<Actors.Dataset.CatalogItem> Seeded { get; } =
        Actors.Dataset.UniSRecDataset.Load(RepositoryPaths.Scientific).Items.Take(5).ToArray();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Orleans:SiloPort", _siloPort.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Orleans:GatewayPort", _gatewayPort.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Orleans:ClusterId", $"fuzz-{Guid.NewGuid():N}");
        builder.UseSetting("Catalog:ImportWhenEmpty", "false");
        builder.UseSetting("Api:ApiKey", ApiKey);
        builder.UseSetting("Api:RequireApiKey", "true");
        builder.UseSetting("Api:MaxBodyBytes", MaxBodyBytes.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Api:MaxEventsPerRequest", MaxEventsPerRequest.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Api:MaxK", MaxK.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("Items:MaxTextLength", MaxTextLength.ToString(CultureInfo.InvariantCulture));
    }

    public HttpClient CreateAuthorizedClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    public async Task InitializeAsync()
    {
        using var client = CreateAuthorizedClient();
        await Eventually.MatchesAsync(() => client.GetAsync(new Uri("/health", UriKind.Relative)), r => r.IsSuccessStatusCode, "the silo to report healthy", TimeSpan.FromSeconds(60));
        foreach (var item in Seeded)
        {
            using var response = await client.PutAsJsonAsync(new Uri($"/items/{item.Id}", UriKind.Relative), new { text = item.Text[..Math.Min(item.Text.Length, MaxTextLength)] });
            response.EnsureSuccessStatusCode();
        }
    }

    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();
}

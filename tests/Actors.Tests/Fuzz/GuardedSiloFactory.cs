using System.Globalization;
using Actors.Dataset;
using Actors.Tests.Infrastructure;

namespace Actors.Tests.Fuzz;

/// <summary>
/// The real silo host with an API key and small limits, so that generated requests reach every limit quickly;
/// seeded with a few catalog items through its own API.
/// </summary>
public sealed class GuardedSiloFactory : SiloFactory
{
    public const string ApiKey = "fuzz-test-key-0123456789abcdef";
    public const int MaxBodyBytes = 64 * 1024;
    public const int MaxEventsPerRequest = 20;
    public const int MaxTextLength = 500;
    public const int MaxK = 100;

    protected override int SeedCount => 5;

    protected override Dictionary<string, string> Settings() => new()
    {
        ["Catalog:ImportWhenEmpty"] = "false",
        ["Api:ApiKey"] = ApiKey,
        ["Api:RequireApiKey"] = "true",
        ["Api:MaxBodyBytes"] = MaxBodyBytes.ToString(CultureInfo.InvariantCulture),
        ["Api:MaxEventsPerRequest"] = MaxEventsPerRequest.ToString(CultureInfo.InvariantCulture),
        ["Api:MaxK"] = MaxK.ToString(CultureInfo.InvariantCulture),
        ["Items:MaxTextLength"] = MaxTextLength.ToString(CultureInfo.InvariantCulture),
    };

    public HttpClient CreateAuthorizedClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    protected override HttpClient CreateSeedingClient() => CreateAuthorizedClient();

    protected override string SeedText(CatalogItem item) => item.Text[..Math.Min(item.Text.Length, MaxTextLength)];
}

using System.Globalization;
using Actors.Dataset;
using Actors.Tests.Infrastructure;

namespace Actors.Tests.Fuzz;

/// <summary>
/// The real silo host with an API key and small limits, so that generated requests reach every limit quickly;
/// seeded with a few catalog items through its own API.
/// </summary>
public class GuardedSiloFactory : SiloFactory
{
    public const string ApiKey = "fuzz-test-key-0123456789abcdef";
    public const int MaxBodyBytes = 64 * 1024;
    public const int MaxEventsPerRequest = 20;
    public const int MaxTextLength = 500;
    public const int MaxK = 100;
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    protected override int SeedCount => 5;

    protected override Dictionary<string, string> Settings() => new()
    {
        ["Api:MaxClockSkew"] = MaxClockSkew.ToString(),
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

/// <summary>
/// <see cref="GuardedSiloFactory"/> on the production providers: grain state in Azure Blob storage and events on Azure
/// Queue streams, in Azurite (a container of its own per run).
/// </summary>
public sealed class DurableGuardedSiloFactory : GuardedSiloFactory
{
    private readonly string _container = $"fuzz-{Guid.NewGuid():N}"[..24];

    protected override Dictionary<string, string> Settings()
    {
        var settings = base.Settings();
        settings["ConnectionStrings:AzureStorage"] = Durability.AzureStorageEnvironment.ConnectionString;
        settings["Storage:Provider"] = nameof(Actors.Hosting.GrainStorageProvider.AzureBlob);
        settings["Storage:Container"] = _container;
        settings["Orleans:ServiceId"] = _container; // the Azure queue names derive from it: a run of its own
        settings["Streams:Provider"] = nameof(Actors.Hosting.EventStreamProvider.AzureQueue);
        return settings;
    }
}

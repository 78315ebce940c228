using System.Globalization;
using System.Net;
using Actors.Dataset;
using Actors.Grains.Import;
using Actors.Silo.Hosting;
using Actors.Silo.Import;
using Actors.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Actors.Tests.Api;

/// <summary>
/// The first-start sample import through the real silo host: one importer at a time, an interrupted import taken up on
/// the next start, a failed one retried with /health saying so, never stuck at 503.
/// </summary>
public sealed class SampleImportTests : IDisposable
{
    private const int Users = 8;
    private readonly string _dataset = Path.Combine(Directory.CreateTempSubdirectory("actors-sample-").FullName, "Scientific");

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_dataset)!, recursive: true);

    private void CopySample()
    {
        Directory.CreateDirectory(_dataset);
        foreach (var file in Directory.GetFiles(RepositoryPaths.Scientific))
        {
            File.Copy(file, Path.Combine(_dataset, Path.GetFileName(file)));
        }
    }

    private static async Task<(HttpStatusCode Status, string Body)> HealthAsync(HttpClient http)
    {
        using var response = await http.GetAsync(new Uri("/health", UriKind.Relative));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_failed_import_is_retried_and_health_says_why_until_it_succeeds()
    {
        // The data set is missing at first: every attempt fails until it appears.
        using var silo = new ImportingSilo(_dataset);
        using var http = silo.CreateClient();

        var failing = await Eventually.MatchesAsync(() => HealthAsync(http), h => h.Body.Contains("retrying", StringComparison.Ordinal), "/health to report a failed, retried import", TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, failing.Status);
        Assert.Contains("sample import failed", failing.Body, StringComparison.Ordinal);

        CopySample();

        await Eventually.MatchesAsync(() => HealthAsync(http), h => h.Status == HttpStatusCode.OK, "/health to turn 200 after a retried import", TimeSpan.FromSeconds(180));
        var client = silo.Services.GetRequiredService<IClusterClient>();
        var record = await client.GetGrain<ISampleImportGrain>(_dataset).GetStatusAsync();
        Assert.Equal(SampleImportDecision.Done, record.Decision);
        Assert.True(record.Attempts >= 2, $"{record.Attempts} attempts");
        await AssertImportedAsync(client);
    }

    [Fact]
    public async Task An_interrupted_import_is_taken_up_by_the_next_start_and_only_one_silo_imports()
    {
        CopySample();
        using var silo = new SiloWithoutImport();
        await silo.InitializeAsync();
        var client = silo.Services.GetRequiredService<IClusterClient>();
        var coordinator = client.GetGrain<ISampleImportGrain>(_dataset);

        // A silo started the first import and died: its lease lapses, the cluster holds only the seeded items.
        var dead = await coordinator.TryAcquireAsync("dead-silo", TimeSpan.FromMilliseconds(200));
        Assert.Equal(SampleImportDecision.Run, dead.Decision);
        Assert.True(await client.GetGrain<IRetrievalGrain>(0).CountItemsAsync() > 0);

        // The next start: two silos at once.
        var options = Options.Create(new CatalogOptions
        {
            SampleDataset = _dataset,
            MaxUsers = Users,
            ImportWhenEmpty = true,
            RetryDelay = TimeSpan.FromMilliseconds(200),
        });
        var readiness = new[] { new Readiness(), new Readiness() };
        var services = readiness.Select(r => ActivatorUtilities.CreateInstance<SampleCatalogService>(silo.Services, options, r)).ToArray();
        foreach (var service in services)
        {
            await service.StartAsync(CancellationToken.None);
        }
        try
        {
            await Eventually.MatchesAsync(() => Task.FromResult(readiness.All(r => r.IsReady)), ready => ready, "both silos to be ready after the import", TimeSpan.FromSeconds(180));
        }
        finally
        {
            foreach (var service in services)
            {
                await service.StopAsync(CancellationToken.None);
                service.Dispose();
            }
        }

        var record = await coordinator.GetStatusAsync();
        Assert.Equal(SampleImportDecision.Done, record.Decision);
        Assert.Equal(2, record.Attempts);
        await AssertImportedAsync(client);
    }

    [Fact]
    public void Retries_back_off_up_to_the_limit()
    {
        var settings = new CatalogOptions { RetryDelay = TimeSpan.FromSeconds(5), MaxRetryDelay = TimeSpan.FromSeconds(60) };
        Assert.Equal([5, 10, 20, 40, 60, 60], Enumerable.Range(1, 6).Select(f => SampleCatalogService.Backoff(settings, f).TotalSeconds));
        Assert.Equal(TimeSpan.FromSeconds(60), SampleCatalogService.Backoff(settings, 1000));
    }

    private async Task AssertImportedAsync(IClusterClient client)
    {
        var expected = UniSRecDataset.Load(_dataset).FirstUsers(Users).Items;
        Assert.NotEmpty(expected);
        var found = await Task.WhenAll(expected.Select(i => client.GetGrain<IItemGrain>(i.Id).GetAsync()));
        Assert.All(found, Assert.NotNull);
    }

    /// <summary>A silo host that imports <paramref name="dataset"/> on start, retrying fast.</summary>
    private sealed class ImportingSilo(string dataset) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("Orleans:SiloPort", FreePorts.Next().ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("Orleans:GatewayPort", FreePorts.Next().ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("Orleans:ClusterId", $"import-{Guid.NewGuid():N}");
            builder.UseSetting("Catalog:ImportWhenEmpty", "true");
            builder.UseSetting("Catalog:SampleDataset", dataset);
            builder.UseSetting("Catalog:MaxUsers", Users.ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("Catalog:RetryDelay", "00:00:00.500");
            builder.UseSetting("Catalog:MaxRetryDelay", "00:00:01");
        }
    }

    private sealed class SiloWithoutImport : SiloFactory
    {
        protected override int SeedCount => 2;
    }
}

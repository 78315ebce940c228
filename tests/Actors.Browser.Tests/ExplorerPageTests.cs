using System.Net.Http.Json;
using Microsoft.Playwright;

namespace Actors.Browser.Tests;

/// <summary>The explorer page in Debian's Chromium, driven by Playwright, against a real silo.</summary>
public sealed class ExplorerPageTests(ExplorerSilo silo) : IClassFixture<ExplorerSilo>
{
    /// <summary>Debian's Chromium; the test script installs it. Override with ACTORS_CHROMIUM.</summary>
    private static string ChromiumPath => Environment.GetEnvironmentVariable("ACTORS_CHROMIUM") ?? "/usr/bin/chromium";

    /// <summary>Where screenshots go: ACTORS_ARTIFACTS (set by scripts/test.sh), else the test's folder.</summary>
    private static string ArtifactDirectory =>
        Environment.GetEnvironmentVariable("ACTORS_ARTIFACTS") ?? Path.Combine(AppContext.BaseDirectory, "artifacts");

    private static async Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        Assert.True(File.Exists(ChromiumPath), $"Chromium is not installed at {ChromiumPath}; scripts/test.sh installs Debian's 'chromium' package.");
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            // Root in a sandbox-less container, and a machine without outside network: keep Chromium from calling home.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    [Fact]
    public async Task A_click_on_a_recommendation_records_it_and_a_new_item_is_retrieved_from_its_text()
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        page.SetDefaultTimeout(20_000);

        await page.GotoAsync(silo.BaseAddress.ToString());
        await Assertions.Expect(page).ToHaveTitleAsync("Actors — recommendations explorer");

        // Pick a sample user.
        var sample = page.Locator("#sample-users button").First;
        await sample.WaitForAsync();
        var userId = await sample.InnerTextAsync();
        await sample.ClickAsync();
        var recommendations = page.Locator("#recommendations li");
        await Assertions.Expect(recommendations).ToHaveCountAsync(10);
        await Assertions.Expect(page.Locator("#rec-source")).ToHaveTextAsync("embedding");
        // The page fetches history and recommendations separately: wait for the history to render before counting it.
        await page.Locator("#history li").First.WaitForAsync();
        var historyBefore = await page.Locator("#history li").CountAsync();
        Assert.True(historyBefore > 0);
        var before = await recommendations.EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.itemId)");

        // Click the top recommendation: it becomes the newest history entry and leaves the recommendations.
        var clicked = before[0];
        await recommendations.First.Locator(".item-main").ClickAsync();
        await Assertions.Expect(page.Locator("#user-status")).ToContainTextAsync("Recorded");
        await Assertions.Expect(page.Locator("#history li")).ToHaveCountAsync(historyBefore + 1);
        Assert.Equal(clicked, await page.Locator("#history li").First.GetAttributeAsync("data-item-id"));
        var after = await recommendations.EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.itemId)");
        Assert.NotEqual(before, after);
        Assert.DoesNotContain(clicked, after);

        // Add an item whose text equals a history item's: that item is among its nearest neighbours. (Not necessarily
        // the first: the served model adds learned id embeddings to known items, and the copy is a cold item.)
        var copiedText = await page.Locator("#history li").First.Locator(".item-main").InnerTextAsync();
        var newId = $"BROWSER-{Guid.NewGuid():N}"[..20];
        await page.FillAsync("#new-item-id", newId);
        await page.FillAsync("#new-item-text", copiedText);
        await page.ClickAsync("#item-form button[type=submit]");
        await Assertions.Expect(page.Locator("#item-status")).ToContainTextAsync($"Added {newId}");
        await Assertions.Expect(page.Locator("#item-id")).ToHaveTextAsync(newId);
        await Assertions.Expect(page.Locator("#similar li").First).ToBeVisibleAsync();
        var similar = await page.Locator("#similar li").EvaluateAllAsync<string[]>("items => items.map(i => i.dataset.itemId)");
        Assert.Contains(clicked, similar);

        Directory.CreateDirectory(ArtifactDirectory);
        var screenshot = Path.Combine(ArtifactDirectory, "explorer.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        Assert.True(new FileInfo(screenshot).Length > 10_000, $"The screenshot of {userId}'s page is missing or empty.");
    }

    [Fact]
    public async Task The_operator_pages_answer()
    {
        using var http = new HttpClient { BaseAddress = silo.BaseAddress };
        // A query that fans out to the shards, so that the retrieval instruments have recorded something.
        var samples = await http.GetFromJsonAsync<System.Text.Json.JsonElement>(new Uri("samples", UriKind.Relative));
        var sampleUser = samples.GetProperty("users")[0].GetString();
        // And an item upserted through its grain, so that the encoding instruments have (the sample catalog is imported
        // with precomputed embeddings, past the item grains' encoder path).
        using (var upsert = await http.PutAsJsonAsync(new Uri($"items/operator-{Guid.NewGuid():N}", UriKind.Relative), new { text = "A digital caliper for the operator page test" }))
        {
            Assert.True(upsert.IsSuccessStatusCode, await upsert.Content.ReadAsStringAsync());
        }
        using (var recommendation = await http.GetAsync(new Uri($"users/{sampleUser}/recommendations?k=3", UriKind.Relative)))
        {
            Assert.True(recommendation.IsSuccessStatusCode);
        }
        using var metrics = await http.GetAsync(new Uri("metrics", UriKind.Relative));
        var text = await metrics.Content.ReadAsStringAsync();
        Assert.True(metrics.IsSuccessStatusCode, text);
        foreach (var name in new[] { "actors_items_encoded", "actors_events_applied", "actors_encoder_batch_size", "actors_encoder_batch_duration", "actors_recommendation_duration", "actors_retrieval_fanout" })
        {
            Assert.Contains(name, text, StringComparison.Ordinal);
        }

        using var openApi = await http.GetAsync(new Uri("openapi/v1.json", UriKind.Relative));
        var document = System.Text.Json.JsonDocument.Parse(await openApi.Content.ReadAsStringAsync());
        Assert.StartsWith("3.", document.RootElement.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.True(document.RootElement.GetProperty("paths").TryGetProperty("/users/{userId}/recommendations", out _));

        using var scalar = await http.GetAsync(new Uri("scalar/v1", UriKind.Relative));
        Assert.True(scalar.IsSuccessStatusCode);
        using var dashboard = await http.GetAsync(new Uri("dashboard/", UriKind.Relative));
        Assert.True(dashboard.IsSuccessStatusCode);
        Assert.Contains("<html", await dashboard.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Playwright;

namespace Actors.Browser.Tests;

/// <summary>
/// The explorer silo with an API key, so that the page's and the test's writes go through the key check, and a build
/// delay (<c>Model:BuildDelay</c>, 3 s by default) longer than three of the page's 2 s polls: the sample catalog's
/// index is otherwise built in well under a second, too fast to be sure the page shows it building.
/// </summary>
public sealed class ModelsPageSilo : ExplorerSilo
{
    public const string ApiKey = "browser-test-key";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Api:ApiKey", ApiKey);
        builder.UseSetting("Model:BuildDelay", "00:00:07");
    }
}

/// <summary>
/// The page's Models panel in Debian's Chromium, against a real silo: a second model uploaded over HTTP and activated
/// from the page, the switch as the page shows it, a 50/50 experiment with its arms' figures, and a rollback from the page.
/// </summary>
public sealed partial class ModelsPageTests(ModelsPageSilo silo) : IClassFixture<ModelsPageSilo>
{
    /// <summary>The second LEARN artifact in the repository (content item tower, output dimension 384).</summary>
    private const string SecondModel = "learn-scientific-item-tower-c";

    private const string ExperimentName = "page-ab";

    /// <summary>Building a slot's index re-aligns every catalog item: generous on a shared 2-core machine.</summary>
    private const float SwitchTimeout = 180_000;

    private static string ChromiumPath => Environment.GetEnvironmentVariable("ACTORS_CHROMIUM") ?? "/usr/bin/chromium";

    private static string ArtifactDirectory =>
        Environment.GetEnvironmentVariable("ACTORS_ARTIFACTS") ?? Path.Combine(AppContext.BaseDirectory, "artifacts");

    [Fact]
    public async Task A_model_uploaded_and_activated_is_shown_building_then_serving_an_experiment_shows_its_arms_and_a_rollback_returns()
    {
        using var http = new HttpClient { BaseAddress = silo.BaseAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", ModelsPageSilo.ApiKey);
        var configured = (await http.GetFromJsonAsync<JsonElement>(new Uri("models", UriKind.Relative))).GetProperty("serving").GetString()!;

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchAsync(playwright);
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1200 } });
        page.SetDefaultTimeout(20_000);
        await page.GotoAsync(silo.BaseAddress.ToString());
        // The API key's disclosure, opened directly: a click on its summary while the page still lays out its lists can land
        // beside it (CI saw the field stay hidden).
        await page.Locator("details:has(#api-key)").EvaluateAsync("d => { d.open = true; }");
        await page.FillAsync("#api-key", ModelsPageSilo.ApiKey);

        // Before the switch: the configured model serves, and answers say so.
        await Assertions.Expect(page.Locator("#model-serving")).ToHaveTextAsync(configured);
        await Assertions.Expect(VersionRow(page, configured)).ToHaveAttributeAsync("data-status", "Serving");
        var sample = page.Locator("#sample-users button").First;
        await sample.WaitForAsync();
        await sample.ClickAsync();
        await Assertions.Expect(page.Locator("#rec-model")).ToHaveAttributeAsync("data-model-version", configured);

        // Upload over HTTP; the page lists it within a poll.
        var uploaded = await UploadAsync(http, SecondModel);
        Assert.NotEqual(configured, uploaded);
        var row = VersionRow(page, uploaded);
        await Assertions.Expect(row).ToHaveAttributeAsync("data-status", "Uploaded");

        // Activate from the page: Building with its progress, then Serving.
        await row.Locator("button.activate").ClickAsync();
        await Assertions.Expect(row).ToHaveAttributeAsync("data-status", "Building");
        await Assertions.Expect(page.Locator("#model-activating")).ToHaveTextAsync(uploaded);
        // Read in one evaluation, so that the figures are those of one rendering (the build delay keeps it building).
        var building = await row.EvaluateAsync<JsonElement>(
            "r => ({ status: r.dataset.status, label: r.querySelector('.progress-label')?.textContent ?? null, bar: r.querySelector('progress') !== null })");
        Assert.Equal("Building", building.GetProperty("status").GetString());
        Assert.True(building.GetProperty("bar").GetBoolean(), "A building version shows a progress bar.");
        Assert.Matches(ProgressLabel(), building.GetProperty("label").GetString());
        await Assertions.Expect(row).ToHaveAttributeAsync("data-status", "Serving", new() { Timeout = SwitchTimeout });
        await Assertions.Expect(page.Locator("#model-serving")).ToHaveTextAsync(uploaded);
        await Assertions.Expect(page.Locator("#models-status")).ToHaveTextAsync($"{uploaded} serves now.");
        await Assertions.Expect(VersionRow(page, configured)).Not.ToHaveAttributeAsync("data-status", "Serving");
        await Assertions.Expect(page.Locator("#model-previous")).ToHaveTextAsync(configured);
        await Assertions.Expect(page.Locator("#model-versions tbody tr[data-status=Serving]")).ToHaveCountAsync(1);

        // A recommendations answer on the page names the new version (the silos pick up the routing within a second).
        await ShowUntilAsync(page, sample, "data-model-version", uploaded);
        await Assertions.Expect(page.Locator("#rec-model")).ToContainTextAsync(uploaded);

        // A 50/50 experiment between the two: two arms with their shares.
        using (var start = await http.PostAsJsonAsync(new Uri("experiments", UriKind.Relative), new
        {
            name = ExperimentName,
            arms = new[] { new { version = configured, share = 0.5 }, new { version = uploaded, share = 0.5 } },
        }))
        {
            Assert.True(start.StatusCode == HttpStatusCode.Created, $"POST /experiments: {(int)start.StatusCode} {await start.Content.ReadAsStringAsync()}");
        }
        var experiment = page.Locator("#experiment");
        await Assertions.Expect(experiment).ToBeVisibleAsync();
        await Assertions.Expect(experiment).ToHaveAttributeAsync("data-name", ExperimentName);
        await Assertions.Expect(experiment).ToHaveAttributeAsync("data-status", "Running", new() { Timeout = SwitchTimeout });
        var arms = page.Locator("#experiment-arms tbody tr");
        await Assertions.Expect(arms).ToHaveCountAsync(2);
        foreach (var version in new[] { configured, uploaded })
        {
            await Assertions.Expect(ArmCell(page, version, "share")).ToHaveTextAsync("50 %");
        }

        // Users of the sample are served by their arm; each answer names it and the experiment.
        var users = page.Locator("#sample-users button");
        var served = new HashSet<string>();
        var clickedArm = "";
        for (var i = 0; i < Math.Min(6, await users.CountAsync()); i++)
        {
            await ShowUntilAsync(page, users.Nth(i), "data-experiment", ExperimentName);
            clickedArm = await page.Locator("#rec-model").GetAttributeAsync("data-model-version") ?? "";
            Assert.Contains(clickedArm, new[] { configured, uploaded });
            served.Add(clickedArm);
        }

        // The last user clicks a recommendation: an event on an item of the answer just served, a hit for that arm.
        await page.Locator("#recommendations li").First.Locator(".item-main").ClickAsync();
        await Assertions.Expect(page.Locator("#user-status")).ToContainTextAsync("Recorded");
        await Assertions.Expect(ArmCell(page, clickedArm, "hits")).Not.ToHaveTextAsync("0", new() { Timeout = 60_000 });
        await Assertions.Expect(ArmCell(page, clickedArm, "hitRate")).ToHaveTextAsync(HitRate());
        foreach (var version in served)
        {
            await Assertions.Expect(ArmCell(page, version, "served")).Not.ToHaveTextAsync("0", new() { Timeout = 60_000 });
        }

        Directory.CreateDirectory(ArtifactDirectory);
        var screenshot = Path.Combine(ArtifactDirectory, "models.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        Assert.True(new FileInfo(screenshot).Length > 10_000, "The screenshot of the Models panel is missing or empty.");

        // Roll back from the page: the configured version serves again, the uploaded one stays ready (an arm, and the
        // rollback target).
        await page.ClickAsync("#model-rollback");
        await Assertions.Expect(page.Locator("#models-status")).ToHaveTextAsync("Rolled back: the previous version serves again.");
        await Assertions.Expect(page.Locator("#model-serving")).ToHaveTextAsync(configured);
        await Assertions.Expect(VersionRow(page, configured)).ToHaveAttributeAsync("data-status", "Serving");
        await Assertions.Expect(row).ToHaveAttributeAsync("data-status", "Ready");
        await Assertions.Expect(page.Locator("#model-previous")).ToHaveTextAsync(uploaded);
    }

    private static ILocator VersionRow(IPage page, string version) => page.Locator($"#model-versions tbody tr[data-version=\"{version}\"]");

    private static ILocator ArmCell(IPage page, string version, string field) =>
        page.Locator($"#experiment-arms tbody tr[data-version=\"{version}\"] td[data-field={field}]");

    /// <summary>
    /// Shows <paramref name="user"/> until the page's answer carries <paramref name="attribute"/> = <paramref name="value"/>:
    /// each silo refreshes its routing about once a second, so the first answer after a switch may be the old one.
    /// </summary>
    private static async Task ShowUntilAsync(IPage page, ILocator user, string attribute, string value)
    {
        var line = page.Locator("#rec-model");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var name = await user.InnerTextAsync();
            await page.EvaluateAsync("() => { const l = document.getElementById('rec-model'); l.removeAttribute('data-model-version'); l.removeAttribute('data-experiment'); }");
            await user.ClickAsync();
            await Assertions.Expect(page.Locator("#user-status")).ToHaveTextAsync($"User {name}");
            await Assertions.Expect(line).ToHaveAttributeAsync("data-model-version", new Regex(".*"));
            if (await line.GetAttributeAsync(attribute) == value)
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline,
                $"The page's answers for {name} did not carry {attribute}={value} within 30 s (last: {await line.GetAttributeAsync(attribute)}).");
        }
    }

    /// <summary>Uploads <c>models/{name}</c> (manifest and weights as multipart form parts) and returns its version.</summary>
    private static async Task<string> UploadAsync(HttpClient http, string name)
    {
        var folder = Path.Combine(RepositoryRoot(), "models", name);
        using var form = new MultipartFormDataContent
        {
            { new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(folder, "manifest.json"))), "manifest", "manifest.json" },
            { new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(folder, "model.safetensors"))), "weights", "model.safetensors" },
        };
        using var response = await http.PostAsync(new Uri("models", UriKind.Relative), form);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST /models: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("version").GetString()!;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Actors.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"No Actors.sln above {AppContext.BaseDirectory}.");
    }

    private static async Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        Assert.True(File.Exists(ChromiumPath), $"Chromium is not installed at {ChromiumPath}; scripts/test.sh installs Debian's 'chromium' package.");
        return await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>"1,234 of 5,000 items (25 %)".</summary>
    [GeneratedRegex(@"^[\d,]+ of [\d,]+ items \(\d+ %\)$")]
    private static partial Regex ProgressLabel();

    /// <summary>"4.2 % (3.1–5.6 %)".</summary>
    [GeneratedRegex(@"^\d+\.\d % \(\d+\.\d–\d+\.\d %\)$")]
    private static partial Regex HitRate();
}

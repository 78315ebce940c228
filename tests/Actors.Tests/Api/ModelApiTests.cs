using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Actors.Tests.Infrastructure;
using static Actors.Tests.Api.ApiAssert;
using static Actors.Tests.Infrastructure.TestKeys;

namespace Actors.Tests.Api;

/// <summary>
/// The real silo host with an API key, a small <c>Api:MaxBodyBytes</c> (so an upload shows it has a limit of its own,
/// <c>Api:MaxModelBytes</c>) and a model limit between the two shipped artifacts' sizes.
/// </summary>
public sealed class ModelSiloFactory : SiloFactory
{
    public const string ApiKey = "model-test-key-0123456789abcdef";
    public const int MaxBodyBytes = 64 * 1024;
    public const int MaxModelBytes = 2 << 20;

    protected override Dictionary<string, string> Settings() => new()
    {
        ["Catalog:ImportWhenEmpty"] = "false",
        ["Api:ApiKey"] = ApiKey,
        ["Api:MaxBodyBytes"] = MaxBodyBytes.ToString(CultureInfo.InvariantCulture),
        ["Api:MaxModelBytes"] = MaxModelBytes.ToString(CultureInfo.InvariantCulture),
        ["Items:MaxTextLength"] = "2000",
    };

    public HttpClient CreateAuthorizedClient()
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        return client;
    }

    protected override HttpClient CreateSeedingClient() => CreateAuthorizedClient();
}

/// <summary>
/// The model registry over HTTP through the real pipeline and a real silo: every write needs the key, bad uploads and
/// experiment requests get 400 keyed by the part or field, and a second model is uploaded, activated and rolled back
/// while the recommendations say which version answered.
/// </summary>
public sealed class ModelApiTests(ModelSiloFactory silo) : IClassFixture<ModelSiloFactory>
{
    /// <summary>The model the silo is configured with (<c>Model:Path</c>, slot 0).</summary>
    private const string ConfiguredVersion = "learn-scientific-1f4daa63afab512f";

    /// <summary>The second shipped LEARN artifact, the one uploaded.</summary>
    private const string UploadedVersion = "learn-scientific-a939bbeba4bf0a8e";

    private static readonly string UploadedFolder = Path.Combine(RepositoryPaths.Root, "models", "learn-scientific-item-tower-c");

    private readonly HttpClient _http = silo.CreateAuthorizedClient();
    private readonly HttpClient _anonymous = silo.CreateClient();

    private static byte[] Manifest => File.ReadAllBytes(Path.Combine(UploadedFolder, "manifest.json"));

    private static byte[] Weights => File.ReadAllBytes(Path.Combine(UploadedFolder, "model.safetensors"));

    /// <summary>The uploaded artifact's manifest with <paramref name="edit"/> applied and the version <paramref name="version"/>.</summary>
    private static byte[] ManifestOf(string version, Action<JsonNode>? edit = null)
    {
        var manifest = JsonNode.Parse(Manifest)!;
        manifest["version"] = version;
        edit?.Invoke(manifest);
        return Encoding.UTF8.GetBytes(manifest.ToJsonString());
    }

    private static MultipartFormDataContent Form(byte[]? manifest, byte[]? weights)
    {
        var form = new MultipartFormDataContent();
        if (manifest is not null)
        {
            form.Add(new ByteArrayContent(manifest) { Headers = { ContentType = new("application/json") } }, "manifest", "manifest.json");
        }
        if (weights is not null)
        {
            form.Add(new ByteArrayContent(weights) { Headers = { ContentType = new("application/octet-stream") } }, "weights", "model.safetensors");
        }
        return form;
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await _http.GetAsync(Url(path));
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<JsonElement?> VersionAsync(string version) =>
        (await GetJsonAsync("/models")).GetProperty("versions").EnumerateArray()
            .Select(v => (JsonElement?)v).FirstOrDefault(v => v!.Value.GetProperty("version").GetString() == version);

    /// <summary>A 400 validation problem with <paramref name="key"/> in <c>errors</c> and <paramref name="mentions"/> in its message.</summary>
    private static async Task AssertInvalidAsync(HttpResponseMessage response, string key, string mentions)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = JsonDocument.Parse(body).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(key, out var messages), $"no error keyed '{key}' in {body}");
        Assert.Contains(messages.EnumerateArray(), m => m.GetString()!.Contains(mentions, StringComparison.OrdinalIgnoreCase));
    }

    public static TheoryData<string, string> Writes => new()
    {
        { "POST", "/models" },
        { "POST", $"/models/{UploadedVersion}/activate" },
        { "POST", "/models/rollback" },
        { "POST", "/experiments" },
        { "POST", "/experiments/some-experiment/stop" },
    };

    [Theory]
    [MemberData(nameof(Writes))]
    public async Task Every_model_write_needs_the_API_key(string method, string path)
    {
        var version = Fresh("unauthorized");
        var serving = (await GetJsonAsync("/models")).GetProperty("serving").GetString();
        using var request = new HttpRequestMessage(new HttpMethod(method), Url(path))
        {
            Content = path == "/models" ? Form(ManifestOf(version), Weights) : Json(new { name = "n", arms = Array.Empty<object>() }),
        };

        await AssertProblemAsync(await _anonymous.SendAsync(request), HttpStatusCode.Unauthorized, "X-Api-Key");

        // Nothing was stored or switched.
        Assert.Null(await VersionAsync(version));
        Assert.Equal(serving, (await GetJsonAsync("/models")).GetProperty("serving").GetString());
    }

    [Fact]
    public async Task A_page_of_another_site_cannot_roll_back_or_upload_even_with_no_key_to_guess()
    {
        using var rollback = new HttpRequestMessage(HttpMethod.Post, Url("/models/rollback")) { Headers = { { "Origin", "http://attacker.example" } } };
        await AssertProblemAsync(await _http.SendAsync(rollback), HttpStatusCode.Forbidden, "another origin");

        using var upload = new HttpRequestMessage(HttpMethod.Post, Url("/models")) { Content = Form(Manifest, Weights), Headers = { { "Sec-Fetch-Site", "cross-site" } } };
        await AssertProblemAsync(await _http.SendAsync(upload), HttpStatusCode.Forbidden, "cross-site");
    }

    [Fact]
    public async Task An_upload_without_a_part_or_with_an_empty_one_gets_400_keyed_by_the_part()
    {
        await AssertInvalidAsync(await _http.PostAsync(Url("/models"), Form(Manifest, null)), "weights", "missing");
        await AssertInvalidAsync(await _http.PostAsync(Url("/models"), Form(null, Weights)), "manifest", "missing");
        await AssertInvalidAsync(await _http.PostAsync(Url("/models"), Form(Manifest, [])), "weights", "empty");
        await AssertInvalidAsync(await _http.PostAsync(Url("/models"), Form([], Weights)), "manifest", "empty");
    }

    [Fact]
    public async Task An_upload_that_is_not_a_form_gets_415_and_one_over_MaxModelBytes_413()
    {
        await AssertProblemAsync(await _http.PostAsync(Url("/models"), Json(new { manifest = "{}" })), HttpStatusCode.UnsupportedMediaType, "multipart/form-data");

        // The configured model (4 MB) is over this silo's 2 MiB; the uploaded one (0.6 MB) is under it, and over Api:MaxBodyBytes.
        var folder = Path.Combine(RepositoryPaths.Root, "models", "learn-scientific");
        using var large = Form(File.ReadAllBytes(Path.Combine(folder, "manifest.json")), File.ReadAllBytes(Path.Combine(folder, "model.safetensors")));
        await AssertProblemAsync(await _http.PostAsync(Url("/models"), large), HttpStatusCode.RequestEntityTooLarge, "Api:MaxModelBytes");
        Assert.True(Weights.Length > ModelSiloFactory.MaxBodyBytes);
    }

    [Fact]
    public async Task A_manifest_that_is_not_JSON_gets_400_keyed_manifest()
    {
        await AssertInvalidAsync(await _http.PostAsync(Url("/models"), Form("format: learn-pal/1"u8.ToArray(), Weights)), "manifest", "not valid JSON");
        await AssertInvalidAsync(await _http.PostAsync(Url("/models"), Form("[1, 2]"u8.ToArray(), Weights)), "manifest", "JSON object");
    }

    [Fact]
    public async Task Weights_that_do_not_match_the_manifest_get_400_keyed_weights()
    {
        var weights = Weights;
        var version = Fresh("truncated");
        await AssertInvalidAsync(await _http.PostAsync(Url("/models"), Form(ManifestOf(version), weights[..(weights.Length / 2)])), "weights", "");
        Assert.Null(await VersionAsync(version));
    }

    [Fact]
    public async Task A_manifest_for_another_content_dimension_gets_400()
    {
        var version = Fresh("dim768");
        using var response = await _http.PostAsync(Url("/models"), Form(ManifestOf(version, m => m["contentDim"] = 768), Weights));

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {body}");
        var errors = JsonDocument.Parse(body).RootElement.GetProperty("errors");
        // The content dimension is the manifest's (768) against the encoder's (384); the registry names the part it refuses.
        Assert.True(errors.TryGetProperty("manifest", out _) || errors.TryGetProperty("weights", out _), body);
        Assert.Contains("384", body, StringComparison.Ordinal);
        Assert.Null(await VersionAsync(version));
    }

    [Fact]
    public async Task A_model_trained_on_another_encoder_gets_400_keyed_manifest_and_a_taken_version_409()
    {
        var version = Fresh("other-encoder");
        await AssertInvalidAsync(
            await _http.PostAsync(Url("/models"), Form(ManifestOf(version, m => m["encoder"] = "another-encoder/0"), Weights)), "manifest", "another-encoder/0");
        Assert.Null(await VersionAsync(version));

        // The configured model's version string on other bytes: refused, and the configured model still serves.
        await AssertProblemAsync(await _http.PostAsync(Url("/models"), Form(ManifestOf(ConfiguredVersion), Weights)), HttpStatusCode.Conflict, ConfiguredVersion);
        Assert.Equal("configuration", (await VersionAsync(ConfiguredVersion))!.Value.GetProperty("source").GetString());
    }

    [Fact]
    public async Task An_unknown_version_is_404_to_read_and_to_activate()
    {
        var version = Fresh("no-such-model");
        await AssertProblemAsync(await _http.GetAsync(Url($"/models/{version}")), HttpStatusCode.NotFound, version);
        await AssertProblemAsync(await _http.PostAsync(Url($"/models/{version}/activate"), null), HttpStatusCode.NotFound, version);
    }

    public static TheoryData<string, string, string> BadExperiments => new()
    {
        { """{"name": "has space", "arms": [{"version": "a", "share": 0.5}, {"version": "b", "share": 0.5}]}""", "experiment.name", "may hold only" },
        { """{"name": "", "arms": [{"version": "a", "share": 0.5}, {"version": "b", "share": 0.5}]}""", "experiment.name", "non-empty" },
        { $$"""{"name": "{{new string('n', 65)}}", "arms": [{"version": "a", "share": 0.5}, {"version": "b", "share": 0.5}]}""", "experiment.name", "at most 64" },
        { """{"name": "one-arm", "arms": [{"version": "a", "share": 1}]}""", "experiment.arms", "at least 2" },
        { """{"name": "twice", "arms": [{"version": "a", "share": 0.5}, {"version": "a", "share": 0.5}]}""", "experiment.arms[1].version", "arms[0]" },
        { """{"name": "zero", "arms": [{"version": "a", "share": 1}, {"version": "b", "share": 0}]}""", "experiment.arms[1].share", "(0, 1]" },
        { """{"name": "negative", "arms": [{"version": "a", "share": 1.5}, {"version": "b", "share": -0.5}]}""", "experiment.arms[1].share", "(0, 1]" },
        { """{"name": "sum", "arms": [{"version": "a", "share": 0.5}, {"version": "b", "share": 0.4}]}""", "experiment.arms", "sum to 1" },
        { """{"name": "huge", "arms": [{"version": "a", "share": 0.5}, {"version": "b", "share": 1e999}]}""", "experiment.arms[1].share", "" },
        { """{"name": "typed", "arms": [{"version": "a", "share": "0.5"}, {"version": "b", "share": 0.5}]}""", "experiment.arms[0].share", "not" },
        { """{"name": "extra", "arms": [{"version": "a", "share": 0.5}, {"version": "b", "share": 0.5}], "promote": "a"}""", "experiment.promote", "not a field" },
        { """{"arms": [{"version": "a", "share": 0.5}, {"version": "b", "share": 0.5}]}""", "experiment.name", "missing" },
    };

    [Theory]
    [MemberData(nameof(BadExperiments))]
    public async Task A_bad_experiment_request_gets_400_keyed_by_the_field_and_starts_nothing(string body, string key, string mentions)
    {
        await AssertInvalidAsync(await _http.PostAsync(Url("/experiments"), new StringContent(body, Encoding.UTF8, "application/json")), key, mentions);

        await AssertProblemAsync(await _http.GetAsync(Url("/experiments")), HttpStatusCode.NotFound, "No experiment is running");
    }

    [Fact]
    public async Task An_experiment_of_unknown_versions_is_404_and_stopping_one_that_does_not_run_is_404()
    {
        using var start = await _http.PostAsync(Url("/experiments"), Json(new
        {
            name = "unknown-arms",
            arms = new[] { new { version = ConfiguredVersion, share = 0.5 }, new { version = Fresh("no-such-model"), share = 0.5 } },
        }));
        await AssertProblemAsync(start, HttpStatusCode.NotFound, "no-such-model");

        await AssertProblemAsync(await _http.PostAsync(Url("/experiments/never-started/stop"), null), HttpStatusCode.NotFound, "never-started");
        await AssertInvalidAsync(await _http.PostAsync(Url("/experiments/bad%20name/stop"), null), "name", "may hold only");
        await AssertProblemAsync(await _http.GetAsync(Url("/experiments")), HttpStatusCode.NotFound, "No experiment is running");
    }

    [Fact]
    public async Task The_OpenAPI_document_lists_the_model_and_experiment_endpoints()
    {
        var document = await GetJsonAsync("/openapi/v1.json");
        var paths = document.GetProperty("paths");

        var upload = paths.GetProperty("/models").GetProperty("post");
        Assert.Equal("Models", upload.GetProperty("tags")[0].GetString());
        Assert.Equal(["201", "400", "401", "403", "409", "413", "415", "429", "503"], upload.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal));
        var form = upload.GetProperty("requestBody").GetProperty("content").GetProperty("multipart/form-data").GetProperty("schema");
        Assert.Equal(["manifest", "weights"], form.GetProperty("required").EnumerateArray().Select(r => r.GetString()).Order(StringComparer.Ordinal));
        Assert.True(paths.GetProperty("/models").TryGetProperty("get", out _));
        Assert.True(paths.GetProperty("/models/{version}").TryGetProperty("get", out _));
        Assert.Equal(["202", "400", "401", "403", "404", "409", "429", "503"],
            paths.GetProperty("/models/{version}/activate").GetProperty("post").GetProperty("responses").EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.True(paths.GetProperty("/models/rollback").TryGetProperty("post", out _));
        var experiments = paths.GetProperty("/experiments");
        Assert.Equal("Experiments", experiments.GetProperty("post").GetProperty("tags")[0].GetString());
        Assert.True(experiments.TryGetProperty("get", out _));
        // The stop request's body may be left out ("required" is then omitted: false is its default).
        var stopBody = paths.GetProperty("/experiments/{name}/stop").GetProperty("post").GetProperty("requestBody");
        Assert.False(stopBody.TryGetProperty("required", out var required) && required.GetBoolean());
        Assert.True(stopBody.GetProperty("content").TryGetProperty("application/json", out _));
        // Statuses are names, not numbers.
        var status = document.GetProperty("components").GetProperty("schemas").GetProperty("ModelStatus");
        Assert.Contains("Serving", status.GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task A_second_model_is_uploaded_activated_and_rolled_back_and_recommendations_say_which_answered()
    {
        var models = await GetJsonAsync("/models");
        Assert.Equal(ConfiguredVersion, models.GetProperty("serving").GetString());
        var configured = (await VersionAsync(ConfiguredVersion))!.Value;
        Assert.Equal(0, configured.GetProperty("slot").GetInt32());
        Assert.Equal("Serving", configured.GetProperty("status").GetString());
        Assert.Equal("configuration", configured.GetProperty("source").GetString());
        Assert.Equal(1, configured.GetProperty("progress").GetDouble());
        await AssertProblemAsync(await _http.PostAsync(Url("/models/rollback"), null), HttpStatusCode.Conflict, "");

        // Upload: 201 at /models/{version}, stored, not serving; the same artifact again is the same version.
        using var upload = await _http.PostAsync(Url("/models"), Form(Manifest, Weights));
        Assert.True(upload.StatusCode == HttpStatusCode.Created, $"{(int)upload.StatusCode}: {await upload.Content.ReadAsStringAsync()}");
        Assert.Equal($"/models/{UploadedVersion}", upload.Headers.Location?.OriginalString);
        var uploaded = await upload.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(UploadedVersion, uploaded.GetProperty("version").GetString());
        Assert.Equal("Uploaded", uploaded.GetProperty("status").GetString());
        // No index yet: a slot (1, 2, ...) comes with the index an activation builds.
        Assert.Equal(0, uploaded.GetProperty("slot").GetInt32());
        Assert.Equal("upload", uploaded.GetProperty("source").GetString());
        Assert.Equal(384, uploaded.GetProperty("dimension").GetInt32());
        Assert.Equal("Uploaded", (await VersionAsync(UploadedVersion))!.Value.GetProperty("status").GetString());
        Assert.Equal(UploadedVersion, (await GetJsonAsync($"/models/{UploadedVersion}")).GetProperty("version").GetString());
        using var again = await _http.PostAsync(Url("/models"), Form(Manifest, Weights));
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(UploadedVersion, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetString());

        // A user with a history, answered by the configured model.
        var userId = Fresh("user");
        using var events = await _http.PostAsync(Url("/events"), Json(silo.Seeded.Take(3).Select(i => new { eventId = Fresh("e"), userId, itemId = i.Id }).ToArray()));
        Assert.Equal(HttpStatusCode.Accepted, events.StatusCode);
        await Eventually.MatchesAsync(() => GetJsonAsync($"/users/{userId}/history"), h => h.GetProperty("items").GetArrayLength() == 3, "the user's 3 events");
        var before = await GetJsonAsync($"/users/{userId}/recommendations?k=3");
        Assert.Equal(["userId", "items", "source", "partial", "modelVersion", "experiment"], before.EnumerateObject().Select(p => p.Name));
        Assert.Equal(ConfiguredVersion, before.GetProperty("modelVersion").GetString());
        Assert.Equal(JsonValueKind.Null, before.GetProperty("experiment").ValueKind);

        // Activate: 202 now, serving once its index is complete; recommendations then come from it.
        using var activate = await _http.PostAsync(Url($"/models/{UploadedVersion}/activate"), null);
        Assert.True(activate.StatusCode == HttpStatusCode.Accepted, $"{(int)activate.StatusCode}: {await activate.Content.ReadAsStringAsync()}");
        Assert.Equal(UploadedVersion, (await activate.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetString());
        await Eventually.MatchesAsync(() => GetJsonAsync("/models"), m => m.GetProperty("serving").GetString() == UploadedVersion,
            $"{UploadedVersion} to serve", TimeSpan.FromSeconds(120));
        var serving = (await VersionAsync(UploadedVersion))!.Value;
        Assert.Equal("Serving", serving.GetProperty("status").GetString());
        Assert.True(serving.GetProperty("slot").GetInt32() >= 1, $"slot {serving.GetProperty("slot")}");
        Assert.Equal(1, serving.GetProperty("progress").GetDouble());
        var after = await Eventually.MatchesAsync(() => GetJsonAsync($"/users/{userId}/recommendations?k=3"),
            r => r.GetProperty("modelVersion").GetString() == UploadedVersion, $"recommendations from {UploadedVersion}", TimeSpan.FromSeconds(30));
        Assert.Equal("embedding", after.GetProperty("source").GetString());

        // Rollback: the configured version serves again.
        using var rollback = await _http.PostAsync(Url("/models/rollback"), null);
        Assert.True(rollback.StatusCode == HttpStatusCode.OK, $"{(int)rollback.StatusCode}: {await rollback.Content.ReadAsStringAsync()}");
        Assert.Equal(ConfiguredVersion, (await rollback.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("serving").GetString());
        await Eventually.MatchesAsync(() => GetJsonAsync($"/users/{userId}/recommendations?k=3"),
            r => r.GetProperty("modelVersion").GetString() == ConfiguredVersion, $"recommendations from {ConfiguredVersion} again", TimeSpan.FromSeconds(30));
    }
}

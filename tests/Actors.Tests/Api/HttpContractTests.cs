using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Actors.Grains.Model;
using Actors.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static Actors.Tests.Api.ApiAssert;
using static Actors.Tests.Infrastructure.TestKeys;

namespace Actors.Tests.Api;

/// <summary>The HTTP contract of the silo host, through its real pipeline and a real silo.</summary>
public sealed class HttpContractTests(SiloFactory silo) : IClassFixture<SiloFactory>
{
    private readonly HttpClient _http = silo.CreateClient();

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await _http.GetAsync(Url(path));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private Task<HttpResponseMessage> PostRawAsync(string path, string body) =>
        _http.PostAsync(Url(path), new StringContent(body, Encoding.UTF8, "application/json"));

    private Task<HttpResponseMessage> PutRawAsync(string path, byte[] body) =>
        _http.PutAsync(Url(path), new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } });

    private async Task<string[]> HistoryAsync(string userId) =>
        (await GetJsonAsync($"/users/{userId}/history")).GetProperty("items").EnumerateArray().Select(e => e.GetString()!).ToArray();

    [Fact]
    public async Task The_silo_serves_the_shipped_LEARN_model_on_its_defaults()
    {
        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(RepositoryPaths.Root, "models", "learn-scientific", "manifest.json")));
        var version = manifest.RootElement.GetProperty("version").GetString();
        var outputDim = manifest.RootElement.GetProperty("outputDim").GetInt32();

        var embeddings = await silo.Services.GetRequiredService<IClusterClient>().GetGrain<IItemGrain>(silo.Seeded[0].Id).GetEmbeddingsAsync();

        Assert.Equal(version, silo.Services.GetRequiredService<ServingModel>().Version);
        Assert.Equal(version, embeddings!.ModelVersion);
        Assert.Equal(outputDim, embeddings.Item.Length);
        Assert.Equal(384, embeddings.Content.Length);
    }

    [Fact]
    public async Task Health_answers_200_when_ready()
    {
        using var response = await _http.GetAsync(Url("/health"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Put_then_get_returns_the_item_and_similar_excludes_it()
    {
        var id = Fresh("item");
        var text = silo.Seeded[4].Text;
        using var put = await _http.PutAsJsonAsync(Url($"/items/{id}"), new { text });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var item = await GetJsonAsync($"/items/{id}");
        Assert.Equal(id, item.GetProperty("itemId").GetString());
        Assert.Equal(text, item.GetProperty("text").GetString());

        // The copy has the original's text but no learned id embedding (it is cold), so the original is among its
        // nearest items, not necessarily the first.
        var similar = await GetJsonAsync($"/items/{id}/similar?k=10");
        var items = similar.GetProperty("items").EnumerateArray().ToArray();
        Assert.Equal(10, items.Length);
        Assert.Contains(items, i => i.GetProperty("itemId").GetString() == silo.Seeded[4].Id);
        Assert.DoesNotContain(items, i => i.GetProperty("itemId").GetString() == id);
        Assert.All(items, i => Assert.False(string.IsNullOrEmpty(i.GetProperty("text").GetString())));
    }

    [Fact]
    public async Task Unknown_items_are_404()
    {
        await AssertProblemAsync(await _http.GetAsync(Url($"/items/{Fresh("nope")}")), HttpStatusCode.NotFound, "does not exist");
        await AssertProblemAsync(await _http.GetAsync(Url($"/items/{Fresh("nope")}/similar")), HttpStatusCode.NotFound, "does not exist");
    }

    [Fact]
    public async Task An_accepted_event_shows_in_the_history_and_changes_the_recommendations()
    {
        var userId = Fresh("user");
        var before = await GetJsonAsync($"/users/{userId}/recommendations?k=5");
        Assert.Equal("popularity", before.GetProperty("source").GetString());

        using var accepted = await _http.PostAsJsonAsync(Url("/events"), new { eventId = Fresh("e"), userId, itemId = silo.Seeded[0].Id, timestamp = "2026-11-01T10:00:00Z" });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);

        var history = await Eventually.MatchesAsync(() => HistoryAsync(userId), h => h.Length == 1, "the event in the history", TimeSpan.FromSeconds(1));
        Assert.Equal([silo.Seeded[0].Id], history);
        var after = await GetJsonAsync($"/users/{userId}/recommendations?k=5");
        Assert.Equal("embedding", after.GetProperty("source").GetString());
        var recommended = after.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()).ToArray();
        Assert.Equal(5, recommended.Length);
        Assert.DoesNotContain(silo.Seeded[0].Id, recommended);
    }

    [Fact]
    public async Task A_batch_with_one_bad_event_is_rejected_whole_and_nothing_is_applied()
    {
        var userId = Fresh("user");
        var good = new { eventId = Fresh("e"), userId, itemId = silo.Seeded[1].Id };
        var unknown = new { eventId = Fresh("e"), userId, itemId = Fresh("no-such-item") };

        using var rejected = await _http.PostAsJsonAsync(Url("/events"), new object[] { good, unknown });
        await AssertProblemAsync(rejected, HttpStatusCode.BadRequest, "unknown item");

        // Events of one user are applied in order: once the marker shows, anything sent before it would have too.
        var marker = new { eventId = Fresh("marker"), userId, itemId = silo.Seeded[2].Id };
        using var accepted = await _http.PostAsJsonAsync(Url("/events"), new[] { marker });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var history = await Eventually.MatchesAsync(() => HistoryAsync(userId), h => h.Length > 0, "the marker event");
        Assert.Equal([silo.Seeded[2].Id], history);
    }

    [Fact]
    public async Task Retrying_a_post_with_the_same_event_ids_is_harmless()
    {
        var userId = Fresh("user");
        var events = new[]
        {
            new { eventId = Fresh("e"), userId, itemId = silo.Seeded[3].Id },
            new { eventId = Fresh("e"), userId, itemId = silo.Seeded[5].Id },
        };
        for (var attempt = 0; attempt < 3; attempt++)
        {
            using var response = await _http.PostAsJsonAsync(Url("/events"), events);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
        var marker = new { eventId = Fresh("marker"), userId, itemId = silo.Seeded[6].Id };
        using (await _http.PostAsJsonAsync(Url("/events"), marker))
        {
        }
        var history = await Eventually.MatchesAsync(() => HistoryAsync(userId), h => h.Contains(silo.Seeded[6].Id), "the marker event");
        Assert.Equal([silo.Seeded[3].Id, silo.Seeded[5].Id, silo.Seeded[6].Id], history);
    }

    public static TheoryData<string, string> BadEventBodies => new()
    {
        { "{not json", "not valid JSON" },
        { "", "not valid JSON" },
        { "42", "one event object or an array" },
        { "[]", "no events" },
        { "[1]", "must be an object" },
        { "{}", "event.eventId is missing" },
        { """{"eventId":"a","userId":"u"}""", "event.itemId is missing" },
        { """{"eventId":7,"userId":"u","itemId":"i"}""", "event.eventId must be a string, not a number" },
        { """{"eventId":"a","userId":null,"itemId":"i"}""", "event.userId must be a string, not null" },
        { """{"eventId":"a","userId":"","itemId":"i"}""", "userId must be a non-empty string" },
        { """{"eventId":"a","userId":"u\u0001","itemId":"i"}""", "control" },
        { """{"eventId":"a","userId":"u","itemId":"i","timestamp":"yesterday"}""", "ISO-8601" },
        { """{"eventId":"a","userId":"u","itemId":"i","timestamp":5}""", "ISO-8601" },
        { """{"eventId":"a","userId":"u","itemId":"i","extra":1}""", "event.extra is not a field of event" },
        { """{"EVENTID":"a","userId":"u","itemId":"i"}""", "event.EVENTID is not a field of event; the fields are eventId, userId and itemId (timestamp, type optional)" },
        { """{"eventId":"a","eventId":"b","userId":"u","itemId":"i"}""", "event.eventId appears more than once" },
        { """[{"eventId":"a","userId":"u","itemId":"i"},{"eventId":"b","userId":"u","itemId":{}}]""", "events[1].itemId must be a string, not an object" },
        { """[{"eventId":"a","userId":"u","itemId":"i"},{"eventId":"b","userId":"u","itemId":"i","timestamp":"soon"}]""", "events[1].timestamp must be an ISO-8601" },
        { """{"eventId":"a","userId":"u","itemId":NaN}""", "not valid JSON at event.itemId" },
        { """{"eventId":"a","userId":"u\ud800","itemId":"i"}""", "event.userId is not valid Unicode text" },
    };

    [Theory]
    [MemberData(nameof(BadEventBodies))]
    public async Task Malformed_events_get_400_naming_the_problem(string body, string mentions) =>
        await AssertProblemAsync(await PostRawAsync("/events", body), HttpStatusCode.BadRequest, mentions);

    [Fact]
    public async Task Too_many_events_in_one_request_get_400()
    {
        var events = Enumerable.Range(0, 51).Select(i => new { eventId = $"e{i}", userId = "u", itemId = silo.Seeded[0].Id });
        await AssertProblemAsync(await _http.PostAsJsonAsync(Url("/events"), events), HttpStatusCode.BadRequest, "at most 50");
    }

    [Fact]
    public async Task Bad_item_bodies_get_400_and_store_nothing()
    {
        var id = Fresh("item");
        var bodies = new[]
        {
            (Encoding.UTF8.GetBytes("{\"text\": 5}"), "must be a string"),
            (Encoding.UTF8.GetBytes("{\"text\": \"\"}"), "non-empty"),
            (Encoding.UTF8.GetBytes("{\"text\": \"   \"}"), "non-empty"),
            (Encoding.UTF8.GetBytes("{}"), "text must be a non-empty string (or give a title"),
            (Encoding.UTF8.GetBytes("[\"text\"]"), "must be an object"),
            (Encoding.UTF8.GetBytes($"{{\"text\": \"{new string('x', 2001)}\"}}"), "at most 2000"),
            (new byte[] { (byte)'{', (byte)'"', (byte)'t', (byte)'e', (byte)'x', (byte)'t', (byte)'"', (byte)':', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)'}' }, "not valid"),
        };
        foreach (var (body, mentions) in bodies)
        {
            await AssertProblemAsync(await PutRawAsync($"/items/{id}", body), HttpStatusCode.BadRequest, mentions);
        }
        await AssertProblemAsync(await _http.GetAsync(Url($"/items/{id}")), HttpStatusCode.NotFound, "does not exist");
    }

    [Fact]
    public async Task A_refused_field_is_the_key_of_the_problem_and_every_bad_event_of_a_batch_is_named()
    {
        var ahead = DateTimeOffset.UtcNow.AddDays(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
        var body = $$"""[{"eventId":"a","userId":"u","itemId":"{{silo.Seeded[0].Id}}"},{"eventId":"","userId":"u","itemId":"i"},{"eventId":"c","userId":"u","itemId":"i","timestamp":"{{ahead}}"}]""";

        using var response = await PostRawAsync("/events", body);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "events[2].timestamp");
        var errors = problem.GetProperty("errors").EnumerateObject().ToDictionary(e => e.Name, e => e.Value[0].GetString()!);
        Assert.Equal(["events[1].eventId", "events[2].timestamp"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("Api:MaxClockSkew", errors["events[2].timestamp"], StringComparison.Ordinal);
        Assert.Contains("events[1].eventId must be a non-empty string", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_items_are_named_by_the_events_that_sent_them()
    {
        var missing = Fresh("no-such-item");
        var body = JsonSerializer.Serialize(new object[] { new { eventId = Fresh("e"), userId = "u", itemId = silo.Seeded[0].Id }, new { eventId = Fresh("e"), userId = "u", itemId = missing } });

        using var response = await PostRawAsync("/events", body);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, $"Unknown item id: '{missing}'; nothing was applied.");
        Assert.Equal(["events[1].itemId"], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name));
    }

    /// <summary>The wire names are the contract the README documents and the page reads: exactly these, camelCase.</summary>
    [Fact]
    public async Task Answers_have_exactly_the_documented_fields()
    {
        static string[] Names(JsonElement e) => e.EnumerateObject().Select(p => p.Name).ToArray();
        var userId = Fresh("user");

        using var accepted = await _http.PostAsJsonAsync(Url("/events"), new { eventId = Fresh("e"), userId, itemId = silo.Seeded[0].Id });
        Assert.Equal(["accepted"], Names(await accepted.Content.ReadFromJsonAsync<JsonElement>()));
        await Eventually.MatchesAsync(() => HistoryAsync(userId), h => h.Length == 1, "the event in the history");

        var recommendations = await GetJsonAsync($"/users/{userId}/recommendations?k=3");
        Assert.Equal(["userId", "items", "source", "partial", "modelVersion", "experiment"], Names(recommendations));
        Assert.Equal(["itemId", "score", "text", "because"], Names(recommendations.GetProperty("items")[0]));
        Assert.False(recommendations.GetProperty("partial").GetBoolean());
        Assert.Equal(["itemId", "items", "partial"], Names(await GetJsonAsync($"/items/{silo.Seeded[0].Id}/similar?k=3")));
        Assert.Equal(["userId", "items", "eventIds"], Names(await GetJsonAsync($"/users/{userId}/history")));
        Assert.Equal(["itemId", "text", "title", "category", "brand", "available", "price", "tags"], Names(await GetJsonAsync($"/items/{silo.Seeded[0].Id}")));
    }

    [Fact]
    public async Task The_OpenAPI_document_states_each_endpoints_answers_and_bodies()
    {
        var document = await GetJsonAsync("/openapi/v1.json");
        var paths = document.GetProperty("paths");

        var post = paths.GetProperty("/events").GetProperty("post");
        Assert.Equal(["202", "400", "401", "413", "415", "429", "503"], post.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal));
        // One event object or an array of them.
        var oneOf = post.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("oneOf");
        Assert.Equal(2, oneOf.GetArrayLength());
        Assert.Equal("date-time", oneOf[0].GetProperty("properties").GetProperty("timestamp").GetProperty("format").GetString());
        Assert.Equal(["eventId", "itemId", "userId"], oneOf[0].GetProperty("required").EnumerateArray().Select(r => r.GetString()).Order(StringComparer.Ordinal));
        var recommend = paths.GetProperty("/users/{userId}/recommendations").GetProperty("get").GetProperty("responses");
        Assert.Equal(["200", "400", "429", "503"], recommend.EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal));
        var schema = document.GetProperty("components").GetProperty("schemas").GetProperty("RecommendationsResponse");
        Assert.Equal(["experiment", "items", "modelVersion", "partial", "source", "userId"], schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(["itemId", "items", "partial"], document.GetProperty("components").GetProperty("schemas").GetProperty("SimilarItemsResponse").GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("101")]
    [InlineData("1001")]
    [InlineData("ten")]
    [InlineData("1.5")]
    public async Task K_outside_1_to_the_default_MaxK_of_100_gets_400(string k)
    {
        await AssertProblemAsync(await _http.GetAsync(Url($"/users/someone/recommendations?k={k}")), HttpStatusCode.BadRequest, "k must be an integer in 1..100;");
        await AssertProblemAsync(await _http.GetAsync(Url($"/items/{silo.Seeded[0].Id}/similar?k={k}")), HttpStatusCode.BadRequest, "k must be an integer in 1..100;");
    }
}

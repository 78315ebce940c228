using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Actors.Tests.Infrastructure;
using static Actors.Tests.Api.ApiAssert;
using static Actors.Tests.Infrastructure.TestKeys;

namespace Actors.Tests.Api;

/// <summary>The <c>type</c> of <c>POST /events</c> on the real host with the built-in types.</summary>
public sealed class EventTypeApiTests(SiloFactory silo) : IClassFixture<SiloFactory>
{
    private readonly HttpClient _http = silo.CreateClient();

    private async Task<string[]> HistoryAsync(string userId) =>
        (await _http.GetFromJsonAsync<JsonElement>(Url($"/users/{userId}/history"))).GetProperty("items").EnumerateArray().Select(e => e.GetString()!).ToArray();

    private async Task<HttpResponseMessage> PostRawAsync(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        return await _http.PostAsync(Url("/events"), content);
    }

    [Fact]
    public async Task An_unknown_type_is_a_400_naming_the_types_and_nothing_of_the_request_is_stored()
    {
        var userId = Fresh("user");
        var body = JsonSerializer.Serialize(new object[]
        {
            new { eventId = Fresh("e"), userId, itemId = silo.Seeded[0].Id, type = "purchase" },
            new { eventId = Fresh("e"), userId, itemId = silo.Seeded[1].Id, type = "like" },
        });

        using var response = await PostRawAsync(body);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "events[1].type");
        var errors = problem.GetProperty("errors").EnumerateObject().ToDictionary(e => e.Name, e => e.Value[0].GetString()!);
        Assert.Equal(["events[1].type"], errors.Keys);
        Assert.Contains("'like' is not an event type; the types are view, click, purchase", errors["events[1].type"], StringComparison.Ordinal);

        // A marker sent properly after it is applied; the refused request's valid event, sent before, is not there.
        using var marker = await _http.PostAsJsonAsync(Url("/events"), new { eventId = Fresh("marker"), userId, itemId = silo.Seeded[2].Id });
        Assert.Equal(HttpStatusCode.Accepted, marker.StatusCode);
        var history = await Eventually.MatchesAsync(() => HistoryAsync(userId), h => h.Length > 0, "the marker event");
        Assert.Equal([silo.Seeded[2].Id], history);
    }

    [Fact]
    public async Task A_single_event_with_an_unknown_type_is_keyed_event_type()
    {
        var body = JsonSerializer.Serialize(new { eventId = Fresh("e"), userId = Fresh("user"), itemId = silo.Seeded[0].Id, type = "Purchase" });

        var problem = await AssertProblemAsync(await PostRawAsync(body), HttpStatusCode.BadRequest, "event.type");

        Assert.Equal(["event.type"], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name));
    }

    [Fact]
    public async Task Events_with_a_known_type_or_none_are_accepted()
    {
        var userId = Fresh("user");
        var body = JsonSerializer.Serialize(new object[]
        {
            new { eventId = Fresh("e"), userId, itemId = silo.Seeded[3].Id, type = "click" },
            new { eventId = Fresh("e"), userId, itemId = silo.Seeded[4].Id },
            new { eventId = Fresh("e"), userId, itemId = silo.Seeded[5].Id, type = (string?)null },
        });

        using var response = await PostRawAsync(body);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var history = await Eventually.MatchesAsync(() => HistoryAsync(userId), h => h.Length == 3, "the three events");
        Assert.Equal([silo.Seeded[3].Id, silo.Seeded[4].Id, silo.Seeded[5].Id], history);
    }
}

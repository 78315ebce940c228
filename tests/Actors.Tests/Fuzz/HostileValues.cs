using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Actors.Grains.Items;
using Actors.Tests.Infrastructure;

namespace Actors.Tests.Fuzz;

/// <summary>
/// Valid but hostile values in every field: timestamps at and just past the bounds and at the widest offsets, ids at and
/// one past the length limit, Unicode normalisation variants of one id, text at the length limit, k at its edges. Each
/// is accepted and stored faithfully or refused with a 400 that stored nothing; the stored state is checked afterwards.
/// <para>
/// Ids are compared ordinally, code unit by code unit, with no Unicode normalisation: "café" in NFC (U+00E9) and in NFD
/// (e + U+0301) are two ids, in the path of a GET or PUT as in an event's fields.
/// </para>
/// </summary>
public abstract partial class MalformedInputTests
{
    private static string Iso(DateTimeOffset time) => time.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", CultureInfo.InvariantCulture);

    [Fact]
    public async Task Valid_but_hostile_values_are_stored_faithfully_or_refused_whole()
    {
        using var http = Silo.CreateAuthorizedClient();
        var item = Silo.Seeded[0].Id;
        var now = DateTimeOffset.UtcNow;
        var skew = GuardedSiloFactory.MaxClockSkew;
        // (timestamp, accepted?): the bounds are instants, whatever the offset they are written in.
        (string Timestamp, bool Accepted)[] timestamps =
        [
            ("0001-01-01T00:00:00Z", false),
            ("9999-12-31T23:59:59Z", false),
            ("9999-12-31T23:59:59+14:00", false),
            (Iso(DateTimeOffset.UnixEpoch), true),
            (Iso(DateTimeOffset.UnixEpoch.AddSeconds(-1)), false),
            (Iso(DateTimeOffset.UnixEpoch.ToOffset(TimeSpan.FromHours(14))), true),
            (Iso(now.Add(skew).AddMinutes(-1)), true),
            (Iso(now.Add(skew).AddMinutes(1)), false),
            (Iso(now.Add(skew).AddMinutes(-1).ToOffset(TimeSpan.FromHours(14))), true),
            (Iso(now.Add(skew).AddMinutes(1).ToOffset(TimeSpan.FromHours(-12))), false),
            (Iso(now.AddYears(1)), false),
            (Iso(now.ToOffset(TimeSpan.FromHours(-12))), true),
        ];
        var expected = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var refusedUsers = new List<string>();
        foreach (var (timestamp, accepted) in timestamps)
        {
            var userId = $"fuzz-t-{Guid.NewGuid():N}";
            var eventId = $"e-{Guid.NewGuid():N}";
            using var response = await PostAsync(http, "/events", $$"""{"eventId":"{{eventId}}","userId":"{{userId}}","itemId":"{{item}}","timestamp":"{{timestamp}}"}""");
            await AssertAnsweredAsync(response, accepted ? HttpStatusCode.Accepted : HttpStatusCode.BadRequest, $"timestamp {timestamp}");
            if (accepted)
            {
                expected[userId] = [eventId];
            }
            else
            {
                refusedUsers.Add(userId);
            }
        }

        // A batch with one event past the bounds is refused whole.
        var batchUser = $"fuzz-b-{Guid.NewGuid():N}";
        using (var batch = await PostAsync(http, "/events", $$"""[{"eventId":"b1","userId":"{{batchUser}}","itemId":"{{item}}"},{"eventId":"b2","userId":"{{batchUser}}","itemId":"{{item}}","timestamp":"{{Iso(now.AddDays(1))}}"}]"""))
        {
            await AssertAnsweredAsync(batch, HttpStatusCode.BadRequest, "a batch with one event a day ahead");
        }
        refusedUsers.Add(batchUser);

        // Ids at the length limit are accepted, one past it refused, in every field and in the path.
        var longest = "u" + new string('x', ItemValidation.MaxIdLength - 1);
        var tooLong = longest + "x";
        foreach (var (userId, eventId, accepted) in new[] { (longest, new string('e', ItemValidation.MaxIdLength), true), (tooLong, "e-ok", false), ("fuzz-ok-" + Guid.NewGuid().ToString("N"), new string('e', ItemValidation.MaxIdLength + 1), false) })
        {
            using var response = await PostAsync(http, "/events", $$"""{"eventId":"{{eventId}}","userId":"{{userId}}","itemId":"{{item}}"}""");
            await AssertAnsweredAsync(response, accepted ? HttpStatusCode.Accepted : HttpStatusCode.BadRequest, $"ids of {userId.Length} and {eventId.Length} characters");
            if (accepted)
            {
                expected[userId] = [eventId];
            }
        }
        var longestItem = "i" + new string('y', ItemValidation.MaxIdLength - 1);
        var text = new string('t', GuardedSiloFactory.MaxTextLength - 1) + "z";
        using (var put = await http.PutAsJsonAsync(new Uri($"/items/{longestItem}", UriKind.Relative), new { text }))
        {
            await AssertAnsweredAsync(put, HttpStatusCode.OK, "an item id at the length limit with text at the length limit");
        }
        using (var put = await http.PutAsJsonAsync(new Uri($"/items/{longestItem}y", UriKind.Relative), new { text = "fine" }))
        {
            await AssertAnsweredAsync(put, HttpStatusCode.BadRequest, "an item id one past the length limit");
        }
        var stored = await http.GetFromJsonAsync<JsonElement>(new Uri($"/items/{longestItem}", UriKind.Relative));
        Assert.Equal(text, stored.GetProperty("text").GetString());
        using (var missing = await http.GetAsync(new Uri($"/items/{longestItem}y", UriKind.Relative)))
        {
            Assert.True(missing.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound, $"GET of an over-long id answered {missing.StatusCode}");
        }

        // NFC and NFD of one name are two ids, for items (path) and users (event field and path) alike.
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var nfc = ("caf\u00e9-" + suffix).Normalize(NormalizationForm.FormC);
        var nfd = nfc.Normalize(NormalizationForm.FormD);
        Assert.NotEqual(nfc, nfd);
        using (var put = await http.PutAsJsonAsync(new Uri($"/items/{Uri.EscapeDataString(nfc)}", UriKind.Relative), new { text = "composed" }))
        {
            await AssertAnsweredAsync(put, HttpStatusCode.OK, "an NFC item id");
        }
        using (var none = await http.GetAsync(new Uri($"/items/{Uri.EscapeDataString(nfd)}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        }
        using (var put = await http.PutAsJsonAsync(new Uri($"/items/{Uri.EscapeDataString(nfd)}", UriKind.Relative), new { text = "decomposed" }))
        {
            await AssertAnsweredAsync(put, HttpStatusCode.OK, "an NFD item id");
        }
        Assert.Equal("composed", (await http.GetFromJsonAsync<JsonElement>(new Uri($"/items/{Uri.EscapeDataString(nfc)}", UriKind.Relative))).GetProperty("text").GetString());
        Assert.Equal("decomposed", (await http.GetFromJsonAsync<JsonElement>(new Uri($"/items/{Uri.EscapeDataString(nfd)}", UriKind.Relative))).GetProperty("text").GetString());
        foreach (var (userId, itemId) in new[] { ("u-" + nfc, nfc), ("u-" + nfd, nfd) })
        {
            using var response = await PostAsync(http, "/events", JsonSerializer.Serialize(new { eventId = "same-event", userId, itemId }));
            await AssertAnsweredAsync(response, HttpStatusCode.Accepted, $"an event of user {userId}");
            expected[userId] = ["same-event"];
        }

        // k at its edges.
        foreach (var (k, status) in new[] { ("0", HttpStatusCode.BadRequest), ("1", HttpStatusCode.OK), (GuardedSiloFactory.MaxK.ToString(CultureInfo.InvariantCulture), HttpStatusCode.OK), ((GuardedSiloFactory.MaxK + 1).ToString(CultureInfo.InvariantCulture), HttpStatusCode.BadRequest) })
        {
            using var recommendations = await http.GetAsync(new Uri($"/users/fuzz-k-{Guid.NewGuid():N}/recommendations?k={k}", UriKind.Relative));
            await AssertAnsweredAsync(recommendations, status, $"recommendations k={k}");
            using var similar = await http.GetAsync(new Uri($"/items/{item}/similar?k={k}", UriKind.Relative));
            await AssertAnsweredAsync(similar, status, $"similar k={k}");
            if (k == "1")
            {
                Assert.Single((await similar.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray());
            }
        }

        // Stored state: each accepted event exactly once in its user's history (which holds nothing else), refused ones nowhere.
        foreach (var (userId, eventIds) in expected)
        {
            var history = await Eventually.MatchesAsync(() => EventIdsAsync(http, userId), h => h.Length >= eventIds.Count, $"the accepted events of {userId}", TimeSpan.FromSeconds(30));
            Assert.Equal(eventIds, history);
        }
        foreach (var userId in refusedUsers)
        {
            Assert.Empty(await EventIdsAsync(http, userId));
        }
        var nfdItems = await http.GetFromJsonAsync<JsonElement>(new Uri($"/users/{Uri.EscapeDataString("u-" + nfd)}/history", UriKind.Relative));
        Assert.Equal([nfd], nfdItems.GetProperty("items").EnumerateArray().Select(i => i.GetString()));
        await AssertPopularityFiniteAsync();
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string json) =>
        http.PostAsync(new Uri(path, UriKind.Relative), new StringContent(json, Encoding.UTF8, "application/json"));

    private static async Task AssertAnsweredAsync(HttpResponseMessage response, HttpStatusCode expected, string what)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{what}: expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        if ((int)expected >= 400)
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    private static async Task<string[]> EventIdsAsync(HttpClient http, string userId)
    {
        var history = await http.GetFromJsonAsync<JsonElement>(new Uri($"/users/{Uri.EscapeDataString(userId)}/history", UriKind.Relative));
        return history.GetProperty("eventIds").EnumerateArray().Select(e => e.GetString()!).ToArray();
    }
}

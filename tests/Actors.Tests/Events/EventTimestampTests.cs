using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Actors.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Streams;

namespace Actors.Tests.Events;

/// <summary>
/// Timestamps that parse but would poison the popularity decay: the API refuses them, and the grains stay finite and
/// fair whatever another producer publishes on the stream directly.
/// </summary>
public sealed class EventTimestampTests(SiloFactory silo) : IClassFixture<SiloFactory>
{
    private readonly HttpClient _http = silo.CreateClient();

    private static Uri Url(string path) => new(path, UriKind.Relative);

    private static string Iso(DateTimeOffset time) => time.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", CultureInfo.InvariantCulture);

    private Task<HttpResponseMessage> PostEventAsync(string userId, string itemId, string timestamp) =>
        _http.PostAsync(Url("/events"), new StringContent(
            $$"""{"eventId":"e-{{Guid.NewGuid():N}}","userId":"{{userId}}","itemId":"{{itemId}}","timestamp":"{{timestamp}}"}""",
            Encoding.UTF8,
            "application/json"));

    private IAsyncStream<InteractionEvent> Stream(string userId) =>
        silo.Services.GetRequiredService<IClusterClient>().GetStreamProvider(StreamNames.Provider)
            .GetStream<InteractionEvent>(StreamId.Create(StreamNames.Interactions, userId));

    [Theory]
    [InlineData(365 * 24 * 60, "Api:MaxClockSkew")]
    [InlineData(6, "Api:MaxClockSkew")]
    public async Task An_event_dated_ahead_beyond_the_clock_skew_is_refused_naming_the_field(int minutesAhead, string mentions)
    {
        using var response = await PostEventAsync($"u-{Guid.NewGuid():N}", silo.Seeded[0].Id, Iso(DateTimeOffset.UtcNow.AddMinutes(minutesAhead)));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        Assert.Contains("event.timestamp", detail, StringComparison.Ordinal);
        Assert.Contains(mentions, detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("1969-12-31T23:59:59Z")]
    public async Task An_event_dated_before_the_earliest_timestamp_is_refused(string timestamp)
    {
        using var response = await PostEventAsync($"u-{Guid.NewGuid():N}", silo.Seeded[0].Id, timestamp);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        Assert.Contains("Api:EarliestTimestamp", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Timestamps_inside_the_bounds_are_accepted_whatever_their_offset()
    {
        var userId = $"u-{Guid.NewGuid():N}";
        var now = DateTimeOffset.UtcNow;
        // Compared as instants: 4 minutes ahead written at +14:00 (the widest offset) and the earliest instant at -12:00.
        using (var ahead = await PostEventAsync(userId, silo.Seeded[0].Id, Iso(now.AddMinutes(4).ToOffset(TimeSpan.FromHours(14)))))
        {
            Assert.Equal(HttpStatusCode.Accepted, ahead.StatusCode);
        }
        using (var earliest = await PostEventAsync(userId, silo.Seeded[1].Id, Iso(DateTimeOffset.UnixEpoch.ToOffset(TimeSpan.FromHours(-12)))))
        {
            Assert.Equal(HttpStatusCode.Accepted, earliest.StatusCode);
        }
        await Eventually.MatchesAsync(() => silo.Services.GetRequiredService<IClusterClient>().GetGrain<IUserGrain>(userId).GetHistoryAsync(), h => h.Length == 2, "both events in the history");
    }

    [Fact]
    public async Task An_event_dated_far_ahead_on_the_stream_does_not_break_cold_start_answers()
    {
        // Another producer (not the API) publishes an event dated in year 9999: 0.5 raised to minus that many half-lives overflowed.
        var item = silo.Seeded[0].Id;
        await Stream("far-ahead").OnNextAsync(new InteractionEvent($"e-{Guid.NewGuid():N}", "far-ahead", item, new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.Zero)));

        // Until the popularity flush carries it, and after: every cold-start answer is a 200 with finite scores.
        await Eventually.MatchesAsync(
            async () =>
            {
                using var response = await _http.GetAsync(Url($"/users/new-{Guid.NewGuid():N}/recommendations?k=5"));
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"cold-start answer {(int)response.StatusCode}: {body}");
                return JsonDocument.Parse(body).RootElement.Clone();
            },
            answer => answer.GetProperty("items").EnumerateArray().Any(i => i.GetProperty("itemId").GetString() == item),
            "the far-ahead event's item in the popularity answer");
        using var last = await _http.GetAsync(Url($"/users/new-{Guid.NewGuid():N}/recommendations?k=5"));
        Assert.Equal(HttpStatusCode.OK, last.StatusCode);
        var scores = (await last.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("score").GetDouble()).ToArray();
        Assert.All(scores, s => Assert.True(double.IsFinite(s) && s > 0, $"score {s}"));
    }

    [Fact]
    public async Task An_event_dated_a_year_ahead_on_the_stream_does_not_pin_its_item_to_the_top()
    {
        var pinned = silo.Seeded[2].Id;
        var popular = silo.Seeded[3].Id;
        var now = DateTimeOffset.UtcNow;
        await Stream("year-ahead").OnNextAsync(new InteractionEvent($"e-{Guid.NewGuid():N}", "year-ahead", pinned, now.AddDays(365)));
        for (var u = 0; u < 5; u++)
        {
            var userId = $"fan-{u}-{Guid.NewGuid():N}";
            await Stream(userId).OnNextAsync(new InteractionEvent($"e-{Guid.NewGuid():N}", userId, popular, now));
        }

        // Five interactions now outweigh one (counted as now, not as 52 half-lives ahead).
        var answer = await Eventually.MatchesAsync(
            async () =>
            {
                var top = await _http.GetFromJsonAsync<JsonElement>(Url($"/users/new-{Guid.NewGuid():N}/recommendations?k=10"));
                return top.GetProperty("items").EnumerateArray().Select(i => (Id: i.GetProperty("itemId").GetString()!, Score: i.GetProperty("score").GetDouble())).ToArray();
            },
            items => items.Any(i => i.Id == pinned) && items.Any(i => i.Id == popular && i.Score > 4),
            "both items, with all five interactions of the popular one, in the popularity answer");
        var pinnedScore = answer.Single(i => i.Id == pinned).Score;
        var popularScore = answer.Single(i => i.Id == popular).Score;
        Assert.True(pinnedScore <= 1.0001, $"one interaction scored {pinnedScore}");
        Assert.True(popularScore > pinnedScore, $"five interactions ({popularScore}) ranked below one dated a year ahead ({pinnedScore})");
    }
}

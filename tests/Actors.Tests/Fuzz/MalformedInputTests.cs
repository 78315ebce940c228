using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Actors.Tests.Infrastructure;
using CsCheck;
using Xunit.Abstractions;

namespace Actors.Tests.Fuzz;

/// <summary>
/// Property-based bad input through the real silo host: every generated request is malformed in at least one way
/// (wrong types, missing fields, empty or huge strings, control characters, invalid UTF-8, NaN and Infinity, bad k,
/// unknown ids, oversized batches and bodies, a missing or wrong API key). Each must get a 4xx with a problem body,
/// never a 5xx; the silo stays up; nothing of it is stored. Malformed stream payloads are dropped by the user grains.
/// Run against the memory providers (<see cref="MemoryMalformedInputTests"/>) and against Blob storage and Azure Queue
/// streams on Azurite (<see cref="DurableMalformedInputTests"/>).
/// </summary>
public abstract partial class MalformedInputTests(GuardedSiloFactory silo, ITestOutputHelper output)
{
    /// <summary>Generated HTTP requests per run (fewer on Azurite, where each costs storage round trips), times <see cref="Scale"/>.</summary>
    protected virtual int HttpCases => 1_500 * Scale;

    /// <summary>Generated stream payloads per run, times <see cref="Scale"/>.</summary>
    protected virtual int StreamCases => 300 * Scale;

    /// <summary>
    /// How many times the quick run's cases to generate: <c>ACTORS_FUZZ_SCALE</c> (a positive integer; unset, 1, the
    /// run <c>scripts/test.sh</c> makes). The full run in the README sets it to 10.
    /// </summary>
    protected static int Scale
    {
        get
        {
            var value = Environment.GetEnvironmentVariable("ACTORS_FUZZ_SCALE");
            if (string.IsNullOrEmpty(value))
            {
                return 1;
            }
            return int.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out var scale) && scale > 0
                ? scale
                : throw new InvalidOperationException($"ACTORS_FUZZ_SCALE must be a positive integer; it is '{value}'.");
        }
    }

    protected GuardedSiloFactory Silo => silo;

    /// <summary>One generated request; <see cref="UserId"/> and <see cref="ItemId"/> are what it would have stored, were it accepted.</summary>
    public sealed record BadRequest(string Kind, HttpMethod Method, string Path, byte[]? Body, string? ApiKey, string? UserId, string? ItemId)
    {
        public override string ToString() =>
            $"{Kind}: {Method} {Path} key={ApiKey ?? "none"} body={(Body is null ? "none" : Body.Length > 300 ? $"{Body.Length} bytes" : Encoding.UTF8.GetString(Body))}";
    }

    /// <summary>Timestamps that parse but lie outside the accepted bounds (far ahead, beyond the clock skew, before the earliest).</summary>
    private static readonly Func<string>[] OutOfBounds =
    [
        () => "9999-12-31T23:59:59Z",
        () => "0001-01-01T00:00:00Z",
        () => "1969-12-31T23:59:59Z",
        () => DateTimeOffset.UtcNow.AddYears(1).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        () => DateTimeOffset.UtcNow.Add(GuardedSiloFactory.MaxClockSkew).AddMinutes(1).ToOffset(TimeSpan.FromHours(14)).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        () => DateTimeOffset.UtcNow.Add(GuardedSiloFactory.MaxClockSkew).AddMinutes(1).ToOffset(TimeSpan.FromHours(-12)).ToString("O", System.Globalization.CultureInfo.InvariantCulture),
    ];

    private static readonly string[] NotEvents = ["[]", "42", "\"text\"", "true", "null", "[1,2]", "[[]]"];

    private static readonly Gen<string> NastyString = Gen.OneOf(
        Gen.Const(""),
        Gen.Const("   "),
        Gen.Char['\u0000', '\u001f'].Select(c => $"id{c}x"),
        Gen.Char['\u007f', '\u009f'].Select(c => $"id{c}x"),
        Gen.Int[257, 2_000].Select(n => new string('a', n)),
        Gen.Const("\ud800"));

    /// <summary>A JSON value of the wrong type for a string field (including the non-JSON tokens NaN and Infinity).</summary>
    private static readonly Gen<string> WrongType = Gen.OneOf(
        Gen.Int.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Double.Select(d => double.IsFinite(d) ? d.ToString("R", System.Globalization.CultureInfo.InvariantCulture) : "1e400"),
        Gen.Const("NaN"), Gen.Const("Infinity"), Gen.Const("-Infinity"),
        Gen.Const("true"), Gen.Const("null"), Gen.Const("{}"), Gen.Const("[\"a\"]"));

    private Gen<BadRequest> BadEvent()
    {
        var fields = new[] { "eventId", "userId", "itemId" };
        var knownItem = Gen.Int[0, silo.Seeded.Count - 1].Select(i => silo.Seeded[i].Id);
        var fresh = Gen.Int.Select(_ => Guid.NewGuid().ToString("N"));
        return Gen.Select(Gen.Int[0, 12], Gen.Int[0, 2], knownItem, fresh, NastyString, WrongType, Gen.Int[0, 1_000_000]).Select((kind, field, item, guid, nasty, wrong, n) =>
        {
            var user = $"fuzz-u-{guid}";
            var values = new Dictionary<string, string> { ["eventId"] = Json($"fuzz-e-{guid}"), ["userId"] = Json(user), ["itemId"] = Json(item) };
            string body;
            string label;
            string? key = GuardedSiloFactory.ApiKey;
            switch (kind)
            {
                case 0: values.Remove(fields[field]); body = Object(values); label = $"missing {fields[field]}"; break;
                case 1: values[fields[field]] = wrong; body = Object(values); label = $"{fields[field]} of a wrong type"; break;
                case 2: values[fields[field]] = Json(nasty); body = Object(values); label = $"{fields[field]} empty, huge or with control characters"; break;
                case 3: values["itemId"] = Json($"no-such-item-{guid}"); body = Object(values); label = "unknown item"; break;
                case 4: values["timestamp"] = n % 3 == 0 || wrong == "null" ? Json($"day {n}") : n % 3 == 1 ? Json(OutOfBounds[n % OutOfBounds.Length]()) : wrong; /* null means now */ body = Object(values); label = "bad or out-of-bounds timestamp"; break;
                case 5: body = "[" + string.Join(",", Enumerable.Repeat(Object(values), GuardedSiloFactory.MaxEventsPerRequest + 1 + n % 50)) + "]"; label = "too many events"; break;
                case 6:
                    var bad = new Dictionary<string, string>(values) { ["itemId"] = wrong };
                    body = $"[{Object(values)},{Object(bad)}]"; label = "a batch with one bad event"; break;
                case 7: body = Object(values)[..(n % Object(values).Length)]; label = "truncated JSON"; break;
                case 8: body = NotEvents[n % NotEvents.Length]; label = "not an event"; break;
                case 9: body = Object(values) + new string(' ', GuardedSiloFactory.MaxBodyBytes); label = "body over the size limit"; break;
                case 10: body = Object(values); key = n % 2 == 0 ? null : "wrong-key-" + guid; label = "missing or wrong API key"; break;
                case 11:
                    return new BadRequest("invalid UTF-8", HttpMethod.Post, "/events", InvalidUtf8(Object(values), n), key, user, null);
                default: body = Object(values).Replace("\"" + fields[field] + "\"", "\"" + fields[field].ToUpperInvariant() + "\"", StringComparison.Ordinal); label = "field name in the wrong case"; break;
            }
            return new BadRequest(label, HttpMethod.Post, "/events", Encoding.UTF8.GetBytes(body), key, user, null);
        });
    }

    private static Gen<BadRequest> BadItem() =>
        Gen.Select(Gen.Int[0, 7], Gen.Int.Select(_ => Guid.NewGuid().ToString("N")), NastyString, WrongType, Gen.Int[0, 1_000_000]).Select((kind, guid, nasty, wrong, n) =>
        {
            var id = $"fuzz-i-{guid}";
            var path = $"/items/{id}";
            string? key = GuardedSiloFactory.ApiKey;
            string body;
            string label;
            switch (kind)
            {
                case 0: body = "{}"; label = "missing text"; break;
                case 1: body = $"{{\"text\":{wrong}}}"; label = "text of a wrong type"; break;
                case 2: body = $"{{\"text\":{Json(nasty.Length > 0 && nasty.Trim().Length > 0 && !nasty.Contains('\ud800', StringComparison.Ordinal) ? new string('t', GuardedSiloFactory.MaxTextLength + 1 + n % 100) : nasty)}}}"; label = "text empty or too long"; break;
                case 3: body = "{\"text\":\"a\\u0000b\"}"; label = "text with NUL"; break;
                case 4: return new BadRequest("invalid UTF-8 text", HttpMethod.Put, path, InvalidUtf8("{\"text\":\"some text here\"}", n), key, null, id);
                case 5: body = "{\"text\":\"fine\"}"; key = n % 2 == 0 ? null : "x"; label = "missing or wrong API key"; break;
                case 6: body = "{\"text\":\"fine\"}"; path = "/items/" + (nasty.Length == 0 || nasty.Any(char.IsSurrogate) ? "%20%01" : Uri.EscapeDataString(nasty.Replace('\0', '\u0001'))); /* the in-memory test client cannot carry %00 (Kestrel refuses it with 400 itself) */ /* a lone surrogate would be escaped as U+FFFD, a valid id */ id = null; label = "bad item id in the path"; break;
                default: body = $"{{\"text\":\"{new string('x', GuardedSiloFactory.MaxBodyBytes)}\"}}"; label = "body over the size limit"; break;
            }
            return new BadRequest(label, HttpMethod.Put, path, Encoding.UTF8.GetBytes(body), key, null, id);
        });

    private Gen<BadRequest> BadQuery() =>
        Gen.Select(Gen.Int[0, 3], Gen.OneOf(
                Gen.Int[int.MinValue, 0].Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Gen.Int[GuardedSiloFactory.MaxK + 1, int.MaxValue].Select(k => k.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Gen.Const("99999999999999999999999"), Gen.Const("NaN"), Gen.Const("Infinity"), Gen.Const("-Infinity"),
                Gen.Const("1e3"), Gen.Const("1.5"), Gen.Const(""), Gen.Const("ten"), Gen.Const("0x10"), Gen.Const("%00")),
            Gen.Int.Select(_ => Guid.NewGuid().ToString("N"))).Select((kind, k, guid) => kind switch
            {
                0 => new BadRequest("bad k for recommendations", HttpMethod.Get, $"/users/fuzz-u-{guid}/recommendations?k={k}", null, null, null, null),
                1 => new BadRequest("bad k for similar items", HttpMethod.Get, $"/items/{silo.Seeded[0].Id}/similar?k={k}", null, null, null, null),
                2 => new BadRequest("unknown item", HttpMethod.Get, $"/items/no-such-{guid}/similar", null, null, null, null),
                _ => new BadRequest("bad user id", HttpMethod.Get, $"/users/{Uri.EscapeDataString("u\u0001" + guid)}/history", null, null, null, null),
            });

    [Fact]
    public async Task Generated_malformed_requests_all_get_a_clear_4xx_and_store_nothing()
    {
        using var http = silo.CreateClient();
        var cases = 0;
        var byStatus = new Dictionary<HttpStatusCode, int>();
        var users = new List<string>();
        var items = new List<string>();

        await Gen.Frequency((6, BadEvent()), (3, BadItem()), (2, BadQuery())).SampleAsync(async request =>
        {
            using var message = new HttpRequestMessage(request.Method, new Uri(request.Path, UriKind.Relative));
            if (request.Body is not null)
            {
                message.Content = new ByteArrayContent(request.Body) { Headers = { ContentType = new("application/json") } };
            }
            if (request.ApiKey is not null)
            {
                message.Headers.Add("X-Api-Key", request.ApiKey);
            }
            using var response = await http.SendAsync(message);
            var status = (int)response.StatusCode;
            Assert.True(status is >= 400 and < 500, $"{request} answered {status}: {await response.Content.ReadAsStringAsync()}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), $"{request} answered {status} without a detail");
            lock (byStatus)
            {
                cases++;
                byStatus[response.StatusCode] = byStatus.GetValueOrDefault(response.StatusCode) + 1;
                if (request.UserId is not null)
                {
                    users.Add(request.UserId);
                }
                if (request.ItemId is not null)
                {
                    items.Add(request.ItemId);
                }
            }
        }, iter: HttpCases, threads: 4);

        output.WriteLine($"{cases} malformed requests: {string.Join(", ", byStatus.OrderBy(p => p.Key).Select(p => $"{(int)p.Key}×{p.Value}"))}");

        // Still up, and nothing of any of them was stored: a valid event sent last shows, none of the rejected ones do.
        using var authorized = silo.CreateAuthorizedClient();
        using (var health = await authorized.GetAsync(new Uri("/health", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
        var probeUser = $"fuzz-probe-{Guid.NewGuid():N}";
        using (var accepted = await authorized.PostAsJsonAsync(new Uri("/events", UriKind.Relative), new { eventId = "probe", userId = probeUser, itemId = silo.Seeded[0].Id }))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }
        await Eventually.MatchesAsync(() => HistoryAsync(authorized, probeUser), h => h.Length == 1, "the probe event");
        foreach (var user in users)
        {
            Assert.Empty(await HistoryAsync(authorized, user));
        }
        foreach (var item in items)
        {
            using var get = await authorized.GetAsync(new Uri($"/items/{item}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        }
        await AssertPopularityFiniteAsync();
    }

    [Fact]
    public async Task Malformed_stream_payloads_are_dropped_by_the_user_grain()
    {
        var streams = ((IClusterClient)silo.Services.GetService(typeof(IClusterClient))!).GetStreamProvider(StreamNames.Provider);
        using var http = silo.CreateAuthorizedClient();
        var cases = 0;
        // Not a lone surrogate: the Orleans serializer turns it into U+FFFD on the way, a valid id.
        var nastyId = NastyString.Where(s => !s.Any(char.IsSurrogate));
        var gen = Gen.Select(Gen.Int[0, 4], nastyId, Gen.Int.Select(_ => Guid.NewGuid().ToString("N")));
        await gen.SampleAsync(async (kind, nasty, guid) =>
        {
            var userId = $"fuzz-s-{guid}";
            var item = silo.Seeded[0].Id;
            InteractionEvent bad = kind switch
            {
                0 => new InteractionEvent(nasty, userId, item, DateTimeOffset.UtcNow),
                1 => new InteractionEvent($"e-{guid}", userId, nasty, DateTimeOffset.UtcNow),
                2 => new InteractionEvent($"e-{guid}", $"someone-else-{guid}", item, DateTimeOffset.UtcNow),
                3 => new InteractionEvent($"e-{guid}", userId, $"no-such-item-{guid}", DateTimeOffset.UtcNow),
                _ => new InteractionEvent(null!, userId, null!, DateTimeOffset.MinValue),
            };
            var stream = streams.GetStream<InteractionEvent>(StreamId.Create(StreamNames.Interactions, userId));
            await stream.OnNextAsync(bad);
            await stream.OnNextAsync(new InteractionEvent($"marker-{guid}", userId, silo.Seeded[1].Id, DateTimeOffset.UtcNow));
            // Events of one stream arrive in order: once the marker is there, the bad event has been handled.
            var history = await Eventually.MatchesAsync(() => HistoryAsync(http, userId), h => h.Length > 0, "the marker event");
            Assert.Equal([silo.Seeded[1].Id], history);
            Interlocked.Increment(ref cases);
        }, iter: StreamCases, threads: 4);

        output.WriteLine($"{cases} malformed stream payloads dropped");
        using var health = await http.GetAsync(new Uri("/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    /// <summary>Every popularity partition's scores are finite and positive, and the cold-start answer is a 200 with finite scores.</summary>
    private async Task AssertPopularityFiniteAsync()
    {
        var client = (IClusterClient)silo.Services.GetService(typeof(IClusterClient))!;
        var partitions = new Actors.Grains.Hosting.PopularityOptions().Partitions;
        for (var p = 0; p < partitions; p++)
        {
            foreach (var hit in await client.GetGrain<IPopularityGrain>(p).TopAsync(1_000))
            {
                Assert.True(float.IsFinite(hit.Score) && hit.Score > 0, $"popularity partition {p} scores {hit.ItemId} {hit.Score}");
            }
        }
        using var http = silo.CreateClient();
        using var cold = await http.GetAsync(new Uri($"/users/fuzz-cold-{Guid.NewGuid():N}/recommendations?k={GuardedSiloFactory.MaxK}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, cold.StatusCode);
        var answer = await cold.Content.ReadFromJsonAsync<JsonElement>();
        Assert.All(answer.GetProperty("items").EnumerateArray(), i => Assert.True(double.IsFinite(i.GetProperty("score").GetDouble())));
    }

    private static async Task<string[]> HistoryAsync(HttpClient http, string userId)
    {
        var history = await http.GetFromJsonAsync<JsonElement>(new Uri($"/users/{Uri.EscapeDataString(userId)}/history", UriKind.Relative));
        return history.GetProperty("items").EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    /// <summary>A JSON string literal that keeps what the serializer would repair: lone surrogates stay \\uD800-style escapes.</summary>
    private static string Json(string value)
    {
        var json = new StringBuilder("\"");
        foreach (var c in value)
        {
            if (c < ' ' || c == '"' || c == '\\' || char.IsSurrogate(c) || c >= '\u007f' && c <= '\u009f')
            {
                json.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
            }
            else
            {
                json.Append(c);
            }
        }
        return json.Append('"').ToString();
    }

    private static string Object(Dictionary<string, string> fields) =>
        "{" + string.Join(",", fields.Select(f => $"\"{f.Key}\":{f.Value}")) + "}";

    /// <summary>The UTF-8 of <paramref name="json"/> with an invalid byte sequence placed inside its first string.</summary>
    private static byte[] InvalidUtf8(string json, int n)
    {
        var bytes = Encoding.UTF8.GetBytes(json).ToList();
        var at = json.IndexOf(':', StringComparison.Ordinal) + 3;
        byte[][] invalid = [[0xFF], [0xC3, 0x28], [0xE2, 0x82], [0xF0, 0x28, 0x8C, 0xBC], [0xED, 0xA0, 0x80], [0xC0, 0xAF]];
        bytes.InsertRange(Math.Min(at, bytes.Count - 1), invalid[n % invalid.Length]);
        return [.. bytes];
    }
}

/// <summary>The suite on the memory providers (the embedded default).</summary>
public sealed class MemoryMalformedInputTests(GuardedSiloFactory silo, ITestOutputHelper output)
    : MalformedInputTests(silo, output), IClassFixture<GuardedSiloFactory>;

/// <summary>The suite on Blob grain storage and Azure Queue streams (Azurite): the production providers.</summary>
public sealed class DurableMalformedInputTests(DurableGuardedSiloFactory silo, ITestOutputHelper output)
    : MalformedInputTests(silo, output), IClassFixture<DurableGuardedSiloFactory>
{
    protected override int HttpCases => 600 * Scale;

    protected override int StreamCases => 100 * Scale;
}

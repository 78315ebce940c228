using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Threading.RateLimiting;
using Actors.Silo.Api;
using Actors.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using static Actors.Tests.Api.ApiAssert;
using static Actors.Tests.Infrastructure.TestKeys;

namespace Actors.Tests.Api;

/// <summary>What an anonymous caller and a foreign web page can make the API do: media types, host names, answer sizes.</summary>
public sealed class HttpBoundaryTests(BoundarySiloFactory silo) : IClassFixture<BoundarySiloFactory>
{
    private readonly HttpClient _http = silo.CreateClient();

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task A_cross_site_simple_request_cannot_write_an_event(string? mediaType)
    {
        var userId = Fresh("user");
        var body = JsonSerializer.Serialize(new { eventId = Fresh("e"), userId, itemId = silo.Seeded[0].Id });
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (mediaType is not null)
        {
            content.Headers.ContentType = new(mediaType);
        }

        await AssertProblemAsync(await _http.PostAsync(Url("/events"), content), HttpStatusCode.UnsupportedMediaType, "application/json");

        // A marker sent properly after it is applied; the refused event, sent before, is not there.
        using var marker = await _http.PostAsJsonAsync(Url("/events"), new { eventId = Fresh("marker"), userId, itemId = silo.Seeded[1].Id });
        Assert.Equal(HttpStatusCode.Accepted, marker.StatusCode);
        var history = await Eventually.MatchesAsync(
            async () => (await _http.GetFromJsonAsync<JsonElement>(Url($"/users/{userId}/history"))).GetProperty("items").EnumerateArray().Select(e => e.GetString()!).ToArray(),
            h => h.Length > 0,
            "the marker event");
        Assert.Equal([silo.Seeded[1].Id], history);
    }

    [Fact]
    public async Task A_cross_site_simple_request_cannot_write_an_item()
    {
        var id = Fresh("item");
        using var content = new StringContent(JsonSerializer.Serialize(new { text = "a text from another site" }), Encoding.UTF8, "text/plain");

        await AssertProblemAsync(await _http.PutAsync(Url($"/items/{id}"), content), HttpStatusCode.UnsupportedMediaType, "application/json");

        using var get = await _http.GetAsync(Url($"/items/{id}"));
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task A_json_media_type_with_a_charset_is_accepted()
    {
        var id = Fresh("item");
        using var content = new StringContent(JsonSerializer.Serialize(new { text = silo.Seeded[2].Text }), Encoding.UTF8, "application/json");
        Assert.Equal("utf-8", content.Headers.ContentType?.CharSet);

        using var put = await _http.PutAsync(Url($"/items/{id}"), content);
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
    }

    [Theory]
    [InlineData("attacker.example", HttpStatusCode.BadRequest)]
    [InlineData("rebound.attacker.example:5080", HttpStatusCode.BadRequest)]
    [InlineData("localhost", HttpStatusCode.OK)]
    [InlineData("127.0.0.1:5080", HttpStatusCode.OK)]
    public async Task Only_requests_for_a_listed_host_name_are_served(string host, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url($"/items/{silo.Seeded[0].Id}"));
        request.Headers.Host = host;

        using var response = await _http.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
    }

    [Fact]
    public async Task Answers_carry_text_previews_and_k_is_bounded_by_default()
    {
        Assert.Contains(silo.Seeded, i => i.Text.Length > BoundarySiloFactory.AnswerTextLength);

        var similar = await _http.GetFromJsonAsync<JsonElement>(Url($"/items/{silo.Seeded[0].Id}/similar?k=9"));
        var texts = similar.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("text").GetString()!).ToArray();
        Assert.Equal(9, texts.Length);
        Assert.All(texts, t => Assert.True(t.Length <= BoundarySiloFactory.AnswerTextLength + 1, $"an answer text of {t.Length} characters"));
        Assert.Contains(texts, t => t.EndsWith('…'));

        // The item itself still has its whole text.
        var item = await _http.GetFromJsonAsync<JsonElement>(Url($"/items/{silo.Seeded[0].Id}"));
        Assert.Equal(silo.Seeded[0].Text, item.GetProperty("text").GetString());

        var limit = new ApiOptions().MaxK;
        Assert.True(limit <= 100, $"Api:MaxK defaults to {limit}");
        await AssertProblemAsync(await _http.GetAsync(Url($"/users/{Fresh("user")}/recommendations?k={limit + 1}")), HttpStatusCode.BadRequest, $"1..{limit}");
    }

    [Fact]
    public void A_preview_never_splits_a_surrogate_pair()
    {
        var text = "abc\U0001F600def";
        Assert.Equal("abc…", ActorsApi.Preview(text, 4));
        Assert.Equal("abc\U0001F600…", ActorsApi.Preview(text, 5));
        Assert.Equal(text, ActorsApi.Preview(text, text.Length));
    }

    [Fact]
    public void The_production_profile_requires_listed_hosts_and_never_imports_the_sample()
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(RepositoryPaths.Root, "appsettings.json"))
            .AddJsonFile(Path.Combine(RepositoryPaths.Root, "appsettings.Production.json"))
            .Build();

        Assert.DoesNotContain("*", configuration["AllowedHosts"]!.Split(';'));
        Assert.True(configuration.GetValue<bool>("Api:RequireAllowedHosts"));
        Assert.False(configuration.GetValue<bool>("Catalog:ImportWhenEmpty"));
        Assert.True(configuration.GetValue<bool>("Orleans:Tls:RequiredOffLoopback"));
    }

    [Fact]
    public void The_production_profile_refuses_to_start_with_any_host_allowed()
    {
        using var factory = new SiloFactoryWith(new()
        {
            ["Catalog:ImportWhenEmpty"] = "false",
            ["Api:RequireAllowedHosts"] = "true",
            ["AllowedHosts"] = "*",
        });

        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains("AllowedHosts", Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public void A_silo_advertised_off_loopback_refuses_to_start_without_tls_where_required()
    {
        using var factory = new SiloFactoryWith(new()
        {
            ["Catalog:ImportWhenEmpty"] = "false",
            ["Orleans:Membership"] = "AzureTable",
            ["Orleans:AdvertisedIPAddress"] = "10.0.0.7",
            ["Orleans:Tls:RequiredOffLoopback"] = "true",
        });

        var error = Assert.ThrowsAny<Exception>(() => factory.CreateClient());

        Assert.Contains("Orleans:Tls:Enabled", Flatten(error), StringComparison.Ordinal);
    }

    [Fact]
    public void Each_remote_address_has_its_own_budget_and_loopback_its_own()
    {
        var limits = new RateLimitOptions { PermitsPerSecond = 3, BurstSeconds = 1, LoopbackPermitsPerSecond = 0 };
        using var limiter = PartitionedRateLimiter.Create<HttpContext, string>(c => RateLimiting.Partition(c, limits));
        HttpContext From(string address, string path = "/items/x") => new DefaultHttpContext
        {
            Connection = { RemoteIpAddress = IPAddress.Parse(address) },
            Request = { Path = path },
        };

        var first = Enumerable.Range(0, 5).Select(_ => limiter.AttemptAcquire(From("203.0.113.7"))).ToArray();
        Assert.Equal(3, first.Count(l => l.IsAcquired));
        Assert.True(first[^1].TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) && retryAfter > TimeSpan.Zero);
        // The same client over a dual-stack socket draws from the same bucket.
        Assert.False(limiter.AttemptAcquire(From("::ffff:203.0.113.7")).IsAcquired);
        Assert.True(limiter.AttemptAcquire(From("198.51.100.1")).IsAcquired);
        // An IPv6 client is its /64: another address in it shares the budget, another network does not.
        Assert.Equal(3, Enumerable.Range(0, 5).Count(_ => limiter.AttemptAcquire(From("2001:db8:1:2::10")).IsAcquired));
        Assert.False(limiter.AttemptAcquire(From("2001:db8:1:2:ffff::99")).IsAcquired);
        Assert.True(limiter.AttemptAcquire(From("2001:db8:1:3::10")).IsAcquired);
        Assert.All(Enumerable.Range(0, 50), _ => Assert.True(limiter.AttemptAcquire(From("127.0.0.1")).IsAcquired));
        Assert.All(Enumerable.Range(0, 50), _ => Assert.True(limiter.AttemptAcquire(From("::ffff:127.0.0.1")).IsAcquired));
        Assert.All(Enumerable.Range(0, 50), _ => Assert.True(limiter.AttemptAcquire(From("::1")).IsAcquired));
        Assert.All(Enumerable.Range(0, 10), _ => Assert.True(limiter.AttemptAcquire(From("203.0.113.7", "/health")).IsAcquired));
        foreach (var lease in first)
        {
            lease.Dispose();
        }
    }

    private static string Flatten(Exception error) =>
        error is AggregateException aggregate ? string.Join(" | ", aggregate.Flatten().InnerExceptions.Select(Flatten)) : error.ToString();

    /// <summary>A silo host with exactly these settings on top of the defaults, for start-up refusals.</summary>
    private sealed class SiloFactoryWith(Dictionary<string, string> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(Microsoft.AspNetCore.Hosting.IWebHostBuilder builder)
        {
            builder.UseSetting("Orleans:SiloPort", FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
            builder.UseSetting("Orleans:GatewayPort", FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}

/// <summary>The per-address rate limit through the real pipeline: 429 problem details with Retry-After, probes exempt.</summary>
public sealed class RateLimitTests(RateLimitedSiloFactory silo) : IClassFixture<RateLimitedSiloFactory>
{
    [Fact]
    public async Task A_flood_from_one_address_gets_429_with_retry_after_and_health_still_answers()
    {
        using var http = silo.CreateClient();
        var statuses = new List<HttpResponseMessage>();
        for (var i = 0; i < RateLimitedSiloFactory.LoopbackPermitsPerSecond * 4; i++)
        {
            statuses.Add(await http.GetAsync(new Uri($"/users/flood-{Guid.NewGuid():N}/history", UriKind.Relative)));
        }

        var rejected = statuses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToArray();
        Assert.NotEmpty(rejected);
        Assert.True(statuses.Count(r => r.StatusCode == HttpStatusCode.OK) <= RateLimitedSiloFactory.LoopbackPermitsPerSecond * 2,
            "more requests served than one burst plus a second's refill");
        var first = rejected[0];
        Assert.Equal("application/problem+json", first.Content.Headers.ContentType?.MediaType);
        Assert.True(first.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {first.Headers.RetryAfter}");
        var problem = await first.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Contains("Api:RateLimit", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        for (var i = 0; i < 20; i++)
        {
            using var health = await http.GetAsync(new Uri("/health", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
        foreach (var response in statuses)
        {
            response.Dispose();
        }
    }
}

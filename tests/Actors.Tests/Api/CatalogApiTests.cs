using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Actors.Tests.Infrastructure;
using static Actors.Tests.Api.ApiAssert;
using static Actors.Tests.Infrastructure.TestKeys;

namespace Actors.Tests.Api;

/// <summary>
/// Catalog rules over HTTP on the real silo host: items with attributes (and a text built from them), DELETE, and
/// filtered recommendations and similar items, each bad query parameter a 400 keyed by its name.
/// </summary>
public sealed class CatalogApiTests(BoundarySiloFactory silo) : IClassFixture<BoundarySiloFactory>
{
    private static readonly string[] OfficeChairs = ["Office", "Chairs"];
    private static readonly string[] Mesh = ["mesh"];
    private static readonly string[] Copy = ["copy"];
    private static readonly string[] LabSeating = ["Lab", "Seating"];

    private readonly HttpClient _http = silo.CreateClient();

    [Fact]
    public async Task An_item_with_attributes_and_no_text_is_stored_with_the_text_built_from_them()
    {
        var id = Fresh("item");
        using var put = await _http.PutAsJsonAsync(Url($"/items/{id}"),
            new { title = "Mesh office chair", category = OfficeChairs, brand = "Acme", available = false, price = 89.5, tags = Mesh });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var item = await _http.GetFromJsonAsync<JsonElement>(Url($"/items/{id}"));
        Assert.Equal("Mesh office chair. Office Chairs. Acme.", item.GetProperty("text").GetString());
        Assert.Equal(["Office", "Chairs"], item.GetProperty("category").EnumerateArray().Select(c => c.GetString()));
        Assert.False(item.GetProperty("available").GetBoolean());
        Assert.Equal(89.5, item.GetProperty("price").GetDouble());
    }

    [Theory]
    [InlineData("""{"brand":"no title, no text"}""", "item.text")]
    [InlineData("""{"text":"t","price":-2}""", "item.price")]
    [InlineData("""{"text":"t","category":["Office",""]}""", "item.category[1]")]
    [InlineData("""{"text":"t","tags":["ok","  "]}""", "item.tags[1]")]
    public async Task Bad_attributes_are_refused_naming_the_field_and_nothing_is_stored(string body, string field)
    {
        var id = Fresh("item");
        using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var problem = await AssertProblemAsync(await _http.PutAsync(Url($"/items/{id}"), content), HttpStatusCode.BadRequest, "");
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync(Url($"/items/{id}"))).StatusCode);
    }

    [Fact]
    public async Task A_deleted_item_answers_404_leaves_the_answers_and_comes_back_when_put_again()
    {
        var id = Fresh("item");
        var text = silo.Seeded[0].Text + " (a copy)";
        (await _http.PutAsJsonAsync(Url($"/items/{id}"), new { text, tags = Copy })).EnsureSuccessStatusCode();
        var similar = await _http.GetFromJsonAsync<JsonElement>(Url($"/items/{silo.Seeded[0].Id}/similar?k=1"));
        Assert.Equal(id, similar.GetProperty("items")[0].GetProperty("itemId").GetString());

        using (var deleted = await _http.DeleteAsync(Url($"/items/{id}")))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }
        await AssertProblemAsync(await _http.DeleteAsync(Url($"/items/{id}")), HttpStatusCode.NotFound, id);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.GetAsync(Url($"/items/{id}"))).StatusCode);
        var after = await _http.GetFromJsonAsync<JsonElement>(Url($"/items/{silo.Seeded[0].Id}/similar?k=20"));
        Assert.DoesNotContain(id, after.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()));

        (await _http.PutAsJsonAsync(Url($"/items/{id}"), new { text, tags = Copy })).EnsureSuccessStatusCode();
        var back = await _http.GetFromJsonAsync<JsonElement>(Url($"/items/{silo.Seeded[0].Id}/similar?k=1&tag=copy"));
        Assert.Equal(id, back.GetProperty("items")[0].GetProperty("itemId").GetString());
    }

    [Fact]
    public async Task Query_filters_reach_the_answer()
    {
        var user = Fresh("user");
        var chair = Fresh("item");
        (await _http.PutAsJsonAsync(Url($"/items/{chair}"), new { title = "Lab stool", category = LabSeating, price = 30 })).EnsureSuccessStatusCode();
        using var events = await _http.PostAsJsonAsync(Url("/events"), new { eventId = Fresh("e"), userId = user, itemId = silo.Seeded[1].Id });
        Assert.Equal(HttpStatusCode.Accepted, events.StatusCode);
        await Eventually.MatchesAsync(
            () => _http.GetFromJsonAsync<JsonElement>(Url($"/users/{user}/history")),
            h => h.GetProperty("items").GetArrayLength() == 1, "the event in the history");

        var answer = await _http.GetFromJsonAsync<JsonElement>(Url($"/users/{user}/recommendations?k=5&category=Lab%3ESeating&minPrice=10&maxPrice=40"));
        Assert.Equal([chair], answer.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()));
        var excluded = await _http.GetFromJsonAsync<JsonElement>(Url($"/users/{user}/recommendations?k=5&category=Lab&exclude={chair}"));
        Assert.Equal(0, excluded.GetProperty("items").GetArrayLength());
        var viewedToo = await _http.GetFromJsonAsync<JsonElement>(Url($"/users/{user}/recommendations?k=20&excludeTypes=none"));
        Assert.Contains(silo.Seeded[1].Id, viewedToo.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()));
    }

    [Fact]
    public async Task Reasons_are_given_unless_reasons_is_false_and_another_value_is_a_400()
    {
        var user = Fresh("user");
        using var events = await _http.PostAsJsonAsync(Url("/events"), new { eventId = Fresh("e"), userId = user, itemId = silo.Seeded[2].Id });
        Assert.Equal(HttpStatusCode.Accepted, events.StatusCode);
        await Eventually.MatchesAsync(
            () => _http.GetFromJsonAsync<JsonElement>(Url($"/users/{user}/recommendations?k=3")),
            r => r.GetProperty("source").GetString() == "embedding", "an embedding answer");

        var withReasons = await _http.GetFromJsonAsync<JsonElement>(Url($"/users/{user}/recommendations?k=3"));
        Assert.All(withReasons.GetProperty("items").EnumerateArray(), i => Assert.Equal(silo.Seeded[2].Id, i.GetProperty("because").GetProperty("itemId").GetString()));
        var without = await _http.GetFromJsonAsync<JsonElement>(Url($"/users/{user}/recommendations?k=3&reasons=false"));
        Assert.Equal(
            withReasons.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()),
            without.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()));
        Assert.All(without.GetProperty("items").EnumerateArray(), i => Assert.Equal(JsonValueKind.Null, i.GetProperty("because").ValueKind));
        var problem = await AssertProblemAsync(await _http.GetAsync(Url($"/users/{user}/recommendations?reasons=maybe")), HttpStatusCode.BadRequest, "reasons");
        Assert.True(problem.GetProperty("errors").TryGetProperty("reasons", out _), problem.ToString());
    }

    [Theory]
    [InlineData("available=maybe", "available")]
    [InlineData("minPrice=-1", "minPrice")]
    [InlineData("minPrice=5&maxPrice=2", "maxPrice")]
    [InlineData("category=Lab%3E%3ESeating", "category")]
    [InlineData("tag=", "tag[0]")]
    public async Task A_bad_filter_is_a_400_naming_the_parameter(string query, string field)
    {
        foreach (var path in new[] { $"/users/{Fresh("user")}/recommendations?{query}", $"/items/{silo.Seeded[0].Id}/similar?{query}" })
        {
            var problem = await AssertProblemAsync(await _http.GetAsync(Url(path)), HttpStatusCode.BadRequest, "");
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }
    }
}

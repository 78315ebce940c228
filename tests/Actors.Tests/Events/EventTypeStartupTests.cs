using Actors.Tests.Infrastructure;

namespace Actors.Tests.Events;

/// <summary>
/// A bad <c>Events</c> setting stops the silo host as it starts, with a message that names the key, rather than
/// surfacing as events dropped later.
/// </summary>
public sealed class EventTypeStartupTests
{
    [Theory]
    [InlineData("Events:Types:View:Weight", "1", "Events:Types:View")]
    [InlineData("Events:Types:add to cart:Weight", "1", "Events:Types:add to cart")]
    [InlineData("Events:Types:view:Weight", "-1", "Events:Types:view:Weight")]
    [InlineData("Events:Types:view:Weight", "NaN", "Events:Types:view:Weight")]
    [InlineData("Events:Types:view:Weight", "Infinity", "Events:Types:view:Weight")]
    [InlineData("Events:DefaultType", "like", "Events:DefaultType")]
    public void A_silo_with_a_bad_event_type_setting_refuses_to_start_naming_it(string key, string value, string named)
    {
        Assert.Contains(named, StartupRefusal.Of(key, value), StringComparison.Ordinal);
    }
}

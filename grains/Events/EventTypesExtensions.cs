using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Actors.Grains.Events;

/// <summary>Registers the event types.</summary>
public static class EventTypesExtensions
{
    /// <summary>
    /// Binds <c>Events</c> (the three built-in types when none is configured), validates it at start-up, so a bad type
    /// stops the silo naming the key, and adds the resolved <see cref="EventTypes"/>.
    /// </summary>
    public static IServiceCollection AddEventTypes(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<EventOptions>().BindConfiguration(EventOptions.Section).PostConfigure(EventOptions.FillDefaults).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EventOptions>, EventOptionsValidator>();
        services.AddSingleton<EventTypes>();
        return services;
    }
}

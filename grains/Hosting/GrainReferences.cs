using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Actors.Grains.Hosting;

/// <summary>
/// References to string-keyed grains without Orleans' per-call type lookup. <c>GetGrain&lt;T&gt;(key)</c> resolves the
/// grain interface type by reading the interface's custom attributes through reflection on every call
/// (Orleans 10.4 does not cache it); on the event path that was the largest single cost after the tower itself
/// (profiled with dotnet-trace on the load harness). The resolved grain type and interface type are cached per
/// grain factory here and the reference is built from them, which Orleans does cache.
/// </summary>
internal static class GrainReferences
{
    private static readonly ConditionalWeakTable<IGrainFactory, ConcurrentDictionary<Type, (GrainType Grain, GrainInterfaceType Interface)>> Types = new();

    /// <summary>The same reference as <c>factory.GetGrain&lt;T&gt;(key)</c>.</summary>
    public static T Get<T>(IGrainFactory factory, string key)
        where T : IGrainWithStringKey
    {
        var types = Types.GetOrCreateValue(factory);
        if (types.TryGetValue(typeof(T), out var resolved))
        {
            return (T)factory.GetGrain(GrainId.Create(resolved.Grain, key), resolved.Interface);
        }

        var reference = factory.GetGrain<T>(key);
        if (reference is GrainReference grain)
        {
            types.TryAdd(typeof(T), (grain.GrainId.Type, grain.InterfaceType));
        }

        return reference;
    }
}

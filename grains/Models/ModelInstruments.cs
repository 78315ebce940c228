using System.Diagnostics.Metrics;
using Actors.Grains.Diagnostics;

namespace Actors.Grains.Models;

/// <summary>
/// The model registry's metrics (meter <c>Actors</c>, as <see cref="ActorsInstruments"/>), read from the routing each silo
/// last read, so every silo reports the cluster's versions: <c>actors.model.progress</c> (share of the items in each
/// version's index, 0..1, tagged with its status) and <c>actors.model.serving</c> (1 for the version serving, 0 for the others).
/// </summary>
internal static class ModelInstruments
{
    private static readonly Meter Meter = new(ActorsInstruments.MeterName);

    /// <summary>The routing the instruments read (the last one any silo of this process read).</summary>
    public static volatile ModelRouting? Routing;

    private static readonly ObservableGauge<double> Progress = Meter.CreateObservableGauge(
        "actors.model.progress",
        () => Versions().Select(v => new Measurement<double>(v.Progress, Tag("version", v.Version), Tag("status", v.Status.ToString()))),
        "1",
        "Share of the catalog in each model version's index (1 once ready or serving; a version being activated climbs to 1, then serves).");

    private static readonly ObservableGauge<int> Serving = Meter.CreateObservableGauge(
        "actors.model.serving",
        () => Versions().Select(v => new Measurement<int>(v.Status == ModelStatus.Serving ? 1 : 0, Tag("version", v.Version))),
        "1",
        "1 for the model version serving queries outside experiments, 0 for every other version.");

    /// <summary>Makes sure the instruments exist (they are created with the class).</summary>
    public static void Register()
    {
        _ = Progress;
        _ = Serving;
    }

    private static ModelVersionInfo[] Versions() => Routing?.Versions ?? [];

    private static KeyValuePair<string, object?> Tag(string name, object? value) => new(name, value);
}

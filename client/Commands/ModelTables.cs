using System.Globalization;
using Spectre.Console;

namespace Actors.Client.Commands;

/// <summary>How the registry and an experiment are printed: Spectre tables, the serving version marked.</summary>
internal static class ModelTables
{
    public static void WriteRegistry(ModelRegistryView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        // Versions are long hashes: kept on one line, the other columns give way on a narrow console.
        var table = new Table().Title("Model versions").AddColumns("").AddColumn(new TableColumn("version").NoWrap())
            .AddColumns("slot", "status", "kind", "dimension", "progress", "source");
        foreach (var v in view.Versions)
        {
            var serving = v.Version == view.Serving;
            table.AddRow(
                serving ? "[green]▶[/]" : v.Version == view.Activating ? "[yellow]…[/]" : "",
                serving ? $"[bold green]{Markup.Escape(v.Version)}[/]" : Markup.Escape(v.Version),
                v.Slot.ToString(CultureInfo.InvariantCulture),
                v.Status.ToString(),
                Markup.Escape(v.Kind),
                v.Dimension.ToString(CultureInfo.InvariantCulture),
                v.Status == ModelStatus.Building
                    ? $"{ModelCommands.Percent(v.Progress)} ({v.ItemsIndexed.ToString(CultureInfo.InvariantCulture)}/{v.ItemsTotal.ToString(CultureInfo.InvariantCulture)})"
                    : ModelCommands.Percent(v.Progress),
                Markup.Escape(v.Source));
        }
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
            $"Serving: [bold]{view.Serving}[/]; rollback to: {view.Previous ?? "none"}; activating: {view.Activating ?? "none"}; experiment: {view.Experiment?.Name ?? "none"}.");
    }

    public static void WriteExperiment(ExperimentView experiment)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        var title = $"Experiment {experiment.Name}: {experiment.Status} since {experiment.StartedAt.ToString("u", CultureInfo.InvariantCulture)}, hit window {experiment.HitWindow}";
        var table = new Table().Title(Markup.Escape(title)).AddColumn(new TableColumn("version").NoWrap())
            .AddColumns("share", "served", "events", "hits", "hit rate", "95 % interval");
        foreach (var arm in experiment.Arms)
        {
            table.AddRow(
                Markup.Escape(arm.Version),
                arm.Share.ToString("0.###", CultureInfo.InvariantCulture),
                arm.Served.ToString(CultureInfo.InvariantCulture),
                arm.Events.ToString(CultureInfo.InvariantCulture),
                arm.Hits.ToString(CultureInfo.InvariantCulture),
                arm.Events == 0 ? "-" : arm.HitRate.ToString("P2", CultureInfo.InvariantCulture),
                arm.Events == 0 ? "-" : Markup.Escape($"[{arm.Low.ToString("P2", CultureInfo.InvariantCulture)}, {arm.High.ToString("P2", CultureInfo.InvariantCulture)}]"));
        }
        AnsiConsole.Write(table);
    }
}

using System.CommandLine;
using System.Globalization;
using Actors.Dataset;
using Actors.Hosting;
using Actors.Ingest;
using Spectre.Console;

namespace Actors.Client.Commands;

/// <summary>The <c>actors</c> command line: import, recommend, history, similar, models, experiments.</summary>
internal static partial class ActorsCommandLine
{
    /// <summary>
    /// The exit code of a command line that does not parse (a missing or bad argument): 2, as shells' own tools use
    /// for usage errors, so a script can tell it from a command that ran and failed (1).
    /// </summary>
    public const int UsageError = 2;

    private static readonly Option<string?> GatewayOption = new("--gateway")
    {
        Description = $"Gateway port of a silo on this machine (default: Orleans:GatewayPort, {new ActorsClusterOptions().GatewayPort} unless configured).",
        Recursive = true,
    };

    public static RootCommand Build()
    {
        GatewayOption.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string?>();
            if (value is not null && (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535))
            {
                result.AddError($"--gateway must be a port number in 1..65535; got '{value}'.");
            }
        });
        var root = new RootCommand("actors: LEARN-style recommendations from an Orleans cluster.")
        {
            GatewayOption,
            ImportCommand(),
            RecommendCommand(),
            HistoryCommand(),
            SimilarCommand(),
            ModelCommands.Models(),
            ModelCommands.Experiments(),
        };
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; a parse error is printed with the command's help and exits <see cref="UsageError"/>.</summary>
    public static async Task<int> InvokeAsync(string[] args)
    {
        var parse = Build().Parse(args);
        // System.CommandLine answers a parse error with 1, the same as a command that ran and failed.
        var exitCode = await parse.InvokeAsync();
        return parse.Errors.Count > 0 ? UsageError : exitCode;
    }

    private static Command ImportCommand()
    {
        var dataset = new Option<DirectoryInfo>("--dataset")
        {
            Description = "Folder of a data set in the UniSRec layout (<Name>.text, <Name>.item2index, <Name>.train.inter, ...).",
            Required = true,
        };
        dataset.AcceptExistingOnly();
        var command = new Command("import", "Import a data set: its items, then its training interactions as events.") { dataset };
        command.SetAction((parse, ct) => RunAsync(parse, async client =>
        {
            var data = UniSRecDataset.Load(parse.GetRequiredValue(dataset).FullName);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Importing [bold]{data.Name}[/]: {data.Items.Count} items, {data.UserIds.Count} users.");
            var importer = new CatalogImporter(client);
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async context =>
                {
                    var items = context.AddTask("items", maxValue: data.Items.Count);
                    var events = context.AddTask("events", autoStart: false);
                    await importer.ImportItemsAsync(data, new Progress<ImportProgress>(p => items.Value = p.Done), ct);
                    items.Value = items.MaxValue;
                    events.StartTask();
                    await importer.ReplayTrainingAsync(data, new Progress<ImportProgress>(p =>
                    {
                        events.MaxValue = p.Total;
                        events.Value = p.Done;
                    }), ct);
                    events.Value = events.MaxValue;
                });
            AnsiConsole.MarkupLine("[green]Imported.[/]");
        }, ct));
        return command;
    }

    private static Command HistoryCommand()
    {
        var user = UserOption();
        var command = new Command("history", "Show a user's history, oldest first.") { user };
        command.SetAction((parse, ct) => RunAsync(parse, async client =>
        {
            var userId = parse.GetRequiredValue(user);
            var history = await client.GetGrain<IUserGrain>(userId).GetHistoryAsync();
            var texts = await Task.WhenAll(history.Select(h => client.GetGrain<IItemGrain>(h.ItemId).GetAsync()));
            var table = new Table().Title($"History of {userId}").AddColumns("#", "item", "when", "text");
            for (var i = 0; i < history.Length; i++)
            {
                table.AddRow(
                    (i + 1).ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(history[i].ItemId),
                    history[i].Timestamp.ToString("u", CultureInfo.InvariantCulture),
                    Markup.Escape(texts[i]?.Text ?? "(deleted)"));
            }
            AnsiConsole.Write(table);
        }, ct));
        return command;
    }

    private static Command SimilarCommand()
    {
        var item = new Option<string>("--item") { Description = "Item id.", Required = true };
        item.Validators.Add(result => RequireId(result.GetValueOrDefault<string>(), "--item", result.AddError));
        var k = KOption();
        var command = new Command("similar", "Show the items most similar to an item.") { item, k };
        command.SetAction((parse, ct) => RunAsync(parse, async client =>
        {
            var itemId = parse.GetRequiredValue(item);
            var result = await client.GetGrain<IRetrievalGrain>(0).SimilarAsync(itemId, parse.GetValue(k), cancellationToken: ct);
            if (result is null)
            {
                throw new ArgumentException($"--item: item '{itemId}' does not exist.");
            }
            WriteItems($"Items similar to {itemId}", result.Items);
        }, ct));
        return command;
    }

    private static Option<string> UserOption()
    {
        var user = new Option<string>("--user") { Description = "User id.", Required = true };
        user.Validators.Add(result => RequireId(result.GetValueOrDefault<string>(), "--user", result.AddError));
        return user;
    }

    private static Option<int> KOption()
    {
        var k = new Option<int>("-k", "--count") { Description = "How many items (1..1000).", DefaultValueFactory = _ => 10 };
        k.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value is < 1 or > 1000)
            {
                result.AddError($"-k must be in 1..1000; got {value}.");
            }
        });
        return k;
    }

    private static void RequireId(string? value, string option, Action<string> error)
    {
        if (UserIds.Check(value, option) is { } problem)
        {
            error(problem);
        }
    }

    private static void WriteItems(string title, ScoredItem[] items)
    {
        var table = new Table().Title(Markup.Escape(title)).AddColumns("#", "item", "score", "text");
        for (var i = 0; i < items.Length; i++)
        {
            table.AddRow(
                (i + 1).ToString(CultureInfo.InvariantCulture),
                Markup.Escape(items[i].ItemId),
                items[i].Score.ToString("F4", CultureInfo.InvariantCulture),
                Markup.Escape(items[i].Text));
        }
        AnsiConsole.Write(table);
    }

    /// <summary>
    /// Connects, runs <paramref name="action"/> and disconnects. A cluster out of reach, bad input, a file that cannot be
    /// read or written (an IOException, a missing folder among them) and the model registry's refusals (an unknown
    /// version, a state that does not allow the request) print their message and exit 1.
    /// </summary>
    internal static Task<int> RunAsync(ParseResult parse, Func<IClusterClient, Task> action, CancellationToken cancellationToken) =>
        RunAsync(parse, async client =>
        {
            await action(client);
            return 0;
        }, AnsiConsole.Console, cancellationToken);

    /// <summary>
    /// <see cref="RunAsync(ParseResult, Func{IClusterClient, Task}, CancellationToken)"/> for an action that chooses its
    /// exit code, with failures printed on <paramref name="errors"/> (standard error for a command whose standard
    /// output is data).
    /// </summary>
    internal static async Task<int> RunAsync(ParseResult parse, Func<IClusterClient, Task<int>> action, IAnsiConsole errors, CancellationToken cancellationToken)
    {
        try
        {
            using var host = await ClusterConnection.ConnectAsync(parse.GetValue(GatewayOption), cancellationToken);
            var exitCode = await action(host.Client());
            await host.StopAsync(cancellationToken);
            return exitCode;
        }
        catch (Exception ex) when (ex is ClusterUnavailableException or ArgumentException or DatasetFormatException
            or KeyNotFoundException or InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            errors.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]error:[/] {ex.Message}");
            return 1;
        }
    }
}

using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace Actors.Client.Commands;

/// <summary>
/// <c>models</c> (list, upload, activate, rollback) and <c>experiments</c> (start, show, stop): the model registry
/// (<see cref="IModelRegistryGrain"/>, key 0). Arguments are checked while parsing (a bad one exits 2, naming it);
/// what the registry refuses is printed with its message and exits 1.
/// </summary>
internal static class ModelCommands
{
    /// <summary>How often <c>models activate</c> asks the registry how far the new index is.</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public static Command Models() => new("models", "Model versions: list, upload, activate, roll back.")
    {
        ListCommand(),
        UploadCommand(),
        ActivateCommand(),
        RollbackCommand(),
    };

    public static Command Experiments() => new("experiments", "A/B experiments between model versions: start, show, stop.")
    {
        StartCommand(),
        ShowCommand(),
        StopCommand(),
    };

    private static IModelRegistryGrain Registry(IClusterClient client) => client.GetGrain<IModelRegistryGrain>(0);

    private static Command ListCommand()
    {
        var command = new Command("list", "Every model version: slot, status, kind, dimension, index progress, source; the serving one marked.");
        command.SetAction((parse, ct) => ActorsCommandLine.RunAsync(parse, async client => ModelTables.WriteRegistry(await Registry(client).ListAsync()), ct));
        return command;
    }

    private static Command UploadCommand()
    {
        var dir = new Option<DirectoryInfo>("--dir")
        {
            Description = $"Folder of a model artifact: {ModelArtifact.ManifestFile} and {ModelArtifact.WeightsFile} (e.g. models/learn-scientific-item-tower-c).",
            Required = true,
        };
        dir.Validators.Add(result =>
        {
            // From the token: the value of an option that failed another check cannot be read here.
            if (result.Tokens.Count == 0)
            {
                return;
            }
            var folder = new DirectoryInfo(result.Tokens[0].Value);
            if (!folder.Exists)
            {
                result.AddError($"--dir: the folder {folder.FullName} does not exist.");
            }
            else if (ModelArtifact.Missing(folder) is { } missing)
            {
                result.AddError($"--dir: {folder.FullName} holds no {missing}; a model artifact is {ModelArtifact.ManifestFile} and {ModelArtifact.WeightsFile}.");
            }
        });
        var command = new Command("upload", "Upload a model artifact to the registry (validated and stored; it serves once activated).") { dir };
        command.SetAction((parse, ct) => ActorsCommandLine.RunAsync(parse, async client =>
        {
            var upload = await ModelArtifact.ReadAsync(parse.GetRequiredValue(dir), ct);
            var info = await Registry(client).UploadAsync(upload, ct);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"[green]Uploaded[/] [bold]{info.Version}[/] ({info.Kind}, dimension {info.Dimension}, slot {info.Slot}): {info.Status}. Activate it with: models activate --version {info.Version}");
        }, ct));
        return command;
    }

    private static Command ActivateCommand()
    {
        var version = VersionOption("--version", "The model version to serve (models list shows them).", required: true);
        var noWait = new Option<bool>("--no-wait") { Description = "Return once the activation is started instead of showing the index build until the version serves." };
        var command = new Command("activate", "Build a version's index beside the serving one and switch over when it is complete.") { version, noWait };
        command.SetAction((parse, ct) => ActorsCommandLine.RunAsync(parse, async client =>
        {
            var target = parse.GetRequiredValue(version);
            var info = await Registry(client).ActivateAsync(target);
            if (parse.GetValue(noWait) || info.Status == ModelStatus.Serving)
            {
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[bold]{info.Version}[/]: {info.Status} ({Percent(info.Progress)} of its index).");
                return;
            }
            await WaitUntilServingAsync(Registry(client), target, ct);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[green]{target} serves.[/]");
        }, ct));
        return command;
    }

    /// <summary>Shows the build as a progress bar until <paramref name="version"/> serves; fails when it stops being the activation target.</summary>
    private static async Task WaitUntilServingAsync(IModelRegistryGrain registry, string version, CancellationToken cancellationToken)
    {
        await AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var bar = context.AddTask(Markup.Escape(version), maxValue: 1);
                while (true)
                {
                    var view = await registry.ListAsync();
                    var info = Array.Find(view.Versions, v => v.Version == version);
                    if (info?.Status == ModelStatus.Serving)
                    {
                        bar.Value = 1;
                        return;
                    }
                    if (info is null || view.Activating != version)
                    {
                        throw new InvalidOperationException(
                            $"{version} is no longer being activated ({(info is null ? "it is not in the registry" : $"it is {info.Status}")}; " +
                            $"{(view.Activating is null ? "no activation runs" : $"{view.Activating} is being activated")}, {view.Serving} serves).");
                    }
                    bar.Description = Markup.Escape($"{version}: {info.Status}, {info.ItemsIndexed}/{info.ItemsTotal} items");
                    bar.Value = info.Progress;
                    await Task.Delay(PollInterval, cancellationToken);
                }
            });
    }

    private static Command RollbackCommand()
    {
        var command = new Command("rollback", "Serve the previous version again, or cancel the activation in progress.");
        command.SetAction((parse, ct) => ActorsCommandLine.RunAsync(parse, async client =>
        {
            var view = await Registry(client).RollbackAsync();
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[green]{view.Serving} serves.[/]");
        }, ct));
        return command;
    }

    private static Command StartCommand()
    {
        var name = NameOption();
        var arms = new Option<string[]>("--arm")
        {
            Description = "An arm: VERSION=SHARE (e.g. --arm learn-scientific-1f4daa63afab512f=0.5); two or more, the shares summing to 1.",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
        };
        arms.Validators.Add(result =>
        {
            if (ExperimentArms.Parse(result.GetValueOrDefault<string[]>() ?? [], out _) is { } problem)
            {
                result.AddError(problem);
            }
        });
        var command = new Command("start", "Start an experiment: each user is assigned to one arm by a salted hash of the user id and the name.") { name, arms };
        command.SetAction((parse, ct) => ActorsCommandLine.RunAsync(parse, async client =>
        {
            ExperimentArms.Parse(parse.GetRequiredValue(arms), out var parsed);
            var experiment = await Registry(client).StartExperimentAsync(parse.GetRequiredValue(name), parsed);
            ModelTables.WriteExperiment(experiment);
        }, ct));
        return command;
    }

    private static Command ShowCommand()
    {
        var command = new Command("show", "The running experiment: each arm's answers served, events, hits and hit rate with its 95 % interval.");
        command.SetAction((parse, ct) => ActorsCommandLine.RunAsync(parse, async client =>
        {
            var experiment = (await Registry(client).ListAsync()).Experiment
                ?? throw new KeyNotFoundException("No experiment is running; start one with: experiments start --name NAME --arm VERSION=SHARE --arm VERSION=SHARE");
            ModelTables.WriteExperiment(experiment);
        }, ct));
        return command;
    }

    private static Command StopCommand()
    {
        var name = NameOption();
        var promote = VersionOption("--promote", "The arm that serves afterwards (default: the serving version stays).", required: false);
        var command = new Command("stop", "Stop the experiment; --promote makes one of its arms the serving version.") { name, promote };
        command.SetAction((parse, ct) => ActorsCommandLine.RunAsync(parse, async client =>
        {
            var view = await Registry(client).StopExperimentAsync(parse.GetRequiredValue(name), parse.GetValue(promote));
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[green]Stopped.[/] {view.Serving} serves.");
        }, ct));
        return command;
    }

    private static Option<string> NameOption()
    {
        var name = new Option<string>("--name") { Description = "The experiment's name: 1..64 characters of A-Z, a-z, 0-9, '.', '_', '-'.", Required = true };
        name.Validators.Add(result =>
        {
            if (ExperimentArms.CheckName(result.GetValueOrDefault<string>()) is { } problem)
            {
                result.AddError($"--name {problem}");
            }
        });
        return name;
    }

    private static Option<string> VersionOption(string option, string description, bool required)
    {
        var version = new Option<string>(option) { Description = description, Required = required };
        version.Validators.Add(result =>
        {
            if (string.IsNullOrWhiteSpace(result.GetValueOrDefault<string>()))
            {
                result.AddError($"{option} must be a non-empty model version.");
            }
        });
        return version;
    }

    internal static string Percent(double fraction) => fraction.ToString("P0", CultureInfo.InvariantCulture);
}

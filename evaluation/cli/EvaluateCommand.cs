using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Reflection;
using Actors.Dataset;
using Actors.Model;
using Spectre.Console;

namespace Actors.Evaluation.Cli;

/// <summary>
/// <c>actors-evaluate</c>: leave-one-out, full-ranking evaluation of a LEARN model artifact and the baselines on one
/// data set, offline (no cluster), through the same serving code as the grains. Writes the JSON the external checks
/// read and, with <c>--report</c>, this data set's section of <c>docs/results.md</c> over both splits, each not masked
/// and masked. The options, progress bars and console tables; the evaluation itself is <see cref="EvaluationRun"/>.
/// </summary>
internal static class EvaluateCommand
{
    /// <summary>The project folder, as the report's rerun command names it (from the repository root).</summary>
    private const string ProjectFolder = "evaluation/cli";

    private const string DefaultExperimentLog = "training/EXPERIMENTS.md";

    public static RootCommand Create()
    {
        var dataset = new Option<string>("--dataset")
        {
            Description = "Folder of a data set: UniSRec atomic files (e.g. data/Scientific) or MovieLens 100K u.data + u.item.",
            Required = true,
        };
        dataset.Validators.Add(result => RequireFolder(result, "--dataset", manifest: false));
        var model = new Option<string?>("--model")
        {
            Description = "LEARN model artifact folder (manifest.json + model.safetensors). Without it only the baselines run.",
        };
        model.Validators.Add(result => RequireFolder(result, "--model", manifest: true));
        var split = new Option<string>("--split")
        {
            Description = "Split to evaluate and write to --json: valid or test.",
            DefaultValueFactory = _ => "test",
        };
        split.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!SplitNames.TryParse(value, out _))
            {
                result.AddError($"--split must be 'valid' or 'test'; got '{value}'.");
            }
        });
        var json = new Option<string?>("--json") { Description = "Write the metrics of --split to this JSON file." };
        json.Validators.Add(result => RequireFilePath(result, "--json"));
        var maskSeen = new Option<bool>("--mask-seen")
        {
            Description = "For --json and the console: remove each user's history items (other than the target) from the ranking. Default: not masked, as published. --report has both.",
        };
        var baselineModel = new Option<string?>("--baseline-model")
        {
            Description = "Item tower (c) artifact (itemTower \"content\"). Default: a sibling folder of --model whose manifest has itemTower \"content\".",
        };
        baselineModel.Validators.Add(result => RequireFolder(result, "--baseline-model", manifest: true));
        var sasRec = new Option<string?>("--sasrec")
        {
            Description = "ID-based SASRec artifact written by 'training -- --model sasrec'. Default: a sibling folder of --model holding one.",
        };
        sasRec.Validators.Add(result => RequireFolder(result, "--sasrec", manifest: true));
        var noBaselines = new Option<bool>("--no-baselines") { Description = "Evaluate only --model." };
        var report = new Option<string?>("--report")
        {
            Description = "Evaluate valid and test, each not masked and masked, and write this data set's section of the Markdown report here (e.g. docs/results.md); other data sets' sections are kept.",
        };
        report.Validators.Add(result => RequireFilePath(result, "--report"));
        var experiments = new Option<string>("--experiments")
        {
            Description = $"Trainer's experiment log included verbatim in --report when it exists. Default {DefaultExperimentLog}.",
            DefaultValueFactory = _ => DefaultExperimentLog,
        };
        var embeddings = new Option<string?>("--embeddings-cache")
        {
            Description = "Folder of cached content embeddings. Default: the encoder's cache folder (shared with training).",
        };
        var threads = new Option<int>("--threads")
        {
            Description = "Worker threads for ranking (default: one per processor).",
            DefaultValueFactory = _ => Environment.ProcessorCount,
        };
        threads.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value is < 1 or > 256)
            {
                result.AddError($"--threads must be in 1..256; got {value}.");
            }
        });

        var command = new RootCommand("Rank all items for every user of a split (leave-one-out) and report R@10/20/50, N@10/20/50 and MRR for a model and the baselines.")
        {
            dataset, model, split, json, maskSeen, baselineModel, sasRec, noBaselines, report, experiments, embeddings, threads,
        };
        command.SetAction((parse, ct) =>
        {
            // The validator has rejected anything else, so Test is only the declared default here.
            var chosen = SplitNames.TryParse(parse.GetValue(split), out var parsed) ? parsed : EvaluationSplit.Test;
            var request = new EvaluationRequest(
                parse.GetRequiredValue(dataset),
                parse.GetValue(model),
                chosen,
                parse.GetValue(json),
                parse.GetValue(maskSeen),
                parse.GetValue(baselineModel),
                parse.GetValue(sasRec),
                parse.GetValue(noBaselines),
                parse.GetValue(report),
                parse.GetRequiredValue(experiments),
                parse.GetValue(embeddings),
                parse.GetValue(threads));
            return Task.FromResult(Run(request, ct));
        });
        return command;
    }

    private static int Run(EvaluationRequest request, CancellationToken cancellationToken)
    {
        try
        {
            Evaluate(request, cancellationToken);
            return 0;
        }
        catch (Exception ex) when (ex is ArgumentException or DatasetFormatException or ModelFormatException
            or FileNotFoundException or DirectoryNotFoundException or InvalidOperationException)
        {
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]error:[/] {ex.Message}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            AnsiConsole.MarkupLine("[yellow]Cancelled.[/]");
            return 130;
        }
    }

    private static void Evaluate(EvaluationRequest request, CancellationToken cancellationToken)
    {
        if (Console.IsOutputRedirected)
        {
            // Redirected output has no terminal width; Spectre would assume 80 columns and wrap the table.
            AnsiConsole.Profile.Width = 160;
        }

        using var run = EvaluationRun.Prepare(request);
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
            $"Evaluating on [bold]{run.Data.Name}[/]: {run.Data.Items.Count} items, {run.Data.UserIds.Count} users; seen items {run.Masking}.");
        run.OpenEncoder();

        IReadOnlyList<SplitReport> reports = [];
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context => reports = run.Rank(new ConsoleProgress(context), cancellationToken));

        foreach (var report in reports)
        {
            ConsoleTables.Write(report);
        }

        foreach (var (name, reason) in run.Artifacts.Skipped)
        {
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[yellow]not run:[/] {name}: {reason}");
        }

        if (request.Json is not null)
        {
            var written = run.WriteJson(reports);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"Wrote [bold]{written.Json}[/] ({written.Report.SplitName}, seen items {(written.Report.MaskSeen ? "masked" : "not masked")}).");
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Wrote [bold]{written.Chart}[/] (bar chart of the model against its baselines).");
        }

        if (request.Report is not null)
        {
            var others = run.WriteReport(reports, CommandLine(), DateTimeOffset.UtcNow);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"Wrote [bold]{request.Report}[/] (section {run.Data.Name}: valid and test, not masked and masked{(others.Count > 0 ? $"; kept {string.Join(", ", others)}" : "")}).");
        }
    }

    /// <summary>The command as it can be rerun from the repository root.</summary>
    private static string CommandLine()
    {
        var configuration = typeof(EvaluateCommand).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var arguments = Environment.GetCommandLineArgs().Skip(1).Select(Quote);
        return $"dotnet run -c {configuration} --project {ProjectFolder} -- {string.Join(' ', arguments)}";
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsLetterOrDigit(c) || "-_./=@:,+".Contains(c, StringComparison.Ordinal))
            ? argument
            : $"'{argument.Replace("'", "'\\''", StringComparison.Ordinal)}'";

    private static void RequireFolder(OptionResult result, string option, bool manifest)
    {
        var value = result.GetValueOrDefault<string?>();
        if (value is null)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(value) || !Directory.Exists(value))
        {
            result.AddError($"{option}: folder '{value}' does not exist.");
        }
        else if (manifest && !File.Exists(Path.Combine(value, PreferenceModel.ManifestFileName)))
        {
            result.AddError($"{option}: folder '{value}' has no {PreferenceModel.ManifestFileName}; expected a model artifact ({PreferenceModel.ManifestFileName} + {PreferenceModel.WeightsFileName}).");
        }
    }

    private static void RequireFilePath(OptionResult result, string option)
    {
        var value = result.GetValueOrDefault<string?>();
        if (value is null)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(value) || Directory.Exists(value) || value.EndsWith('/'))
        {
            result.AddError($"{option}: '{value}' is not a file path; expected a file to write, e.g. results.json.");
        }
    }

    /// <summary>Progress bars of a Spectre progress display; a step's value may be set from any thread (ProgressTask locks internally).</summary>
    private sealed class ConsoleProgress(ProgressContext context) : IEvaluationProgress
    {
        public IProgressStep Add(string description, int total, bool started = true) =>
            new Step(context.AddTask(description, autoStart: started, maxValue: total));

        private sealed class Step(ProgressTask task) : IProgressStep
        {
            public void Report(int value) => task.Value = value;

            public void Start() => task.StartTask();

            public void Advance() => task.Increment(1);

            public void Complete()
            {
                task.Value = task.MaxValue;
                task.StopTask();
            }
        }
    }
}

using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using Actors.Dataset;
using Actors.Encoder;
using Actors.Evaluation;
using Actors.Model;
using Spectre.Console;

namespace Actors.Client.Commands;

/// <summary>
/// <c>evaluate</c>: leave-one-out, full-ranking evaluation of a LEARN model artifact and the baselines on one data set,
/// offline (no cluster), through the same serving code as the grains. Writes the JSON the external checks read and,
/// with <c>--report</c>, this data set's section of <c>docs/results.md</c> over both splits, each not masked and masked.
/// </summary>
internal static class EvaluateCommand
{
    private const string DefaultExperimentLog = "training/EXPERIMENTS.md";

    public static Command Create()
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

        var command = new Command("evaluate", "Rank all items for every user of a split (leave-one-out) and report R@10/20/50, N@10/20/50 and MRR for a model and the baselines.")
        {
            dataset, model, split, json, maskSeen, baselineModel, sasRec, noBaselines, report, experiments, embeddings, threads,
        };
        command.SetAction((parse, ct) =>
        {
            // The validator has rejected anything else, so Test is only the declared default here.
            var chosen = SplitNames.TryParse(parse.GetValue(split), out var parsed) ? parsed : EvaluationSplit.Test;
            var settings = new Settings(
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
            return Task.FromResult(Run(settings, ct));
        });
        return command;
    }

    private static int Run(Settings settings, CancellationToken cancellationToken)
    {
        try
        {
            Evaluate(settings, cancellationToken);
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

    private static void Evaluate(Settings settings, CancellationToken cancellationToken)
    {
        if (Console.IsOutputRedirected)
        {
            // Redirected output has no terminal width; Spectre would assume 80 columns and wrap the table.
            AnsiConsole.Profile.Width = 160;
        }

        var data = UniSRecDataset.Load(Path.GetFullPath(settings.Dataset));
        if (settings.Report is not null && File.Exists(settings.Report))
        {
            // Fail before ranking, not after, when the other data sets' sections could not be kept.
            ResultsDocument.Sections(File.ReadAllText(settings.Report));
        }

        var artifacts = LoadArtifacts(settings);
        var masking = settings.Report is not null ? "both not masked and masked" : settings.MaskSeen ? "masked" : "not masked";
        AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
            $"Evaluating on [bold]{data.Name}[/]: {data.Items.Count} items, {data.UserIds.Count} users; seen items {masking}.");

        using var encoder = new TextEncoder(new EncoderOptions());
        foreach (var artifact in artifacts.Models)
        {
            if (artifact.Model.ContentDimension != encoder.Dimension)
            {
                throw new ArgumentException(
                    $"{artifact.Option}: '{artifact.Path}' expects {artifact.Model.ContentDimension}-d content embeddings; the encoder '{encoder.ModelVersion}' gives {encoder.Dimension}.");
            }
        }

        // The report has every split both ways, the unmasked table (the headline, as published) first.
        (EvaluationSplit Split, bool MaskSeen)[] runs = settings.Report is null
            ? [(settings.Split, settings.MaskSeen)]
            : [(EvaluationSplit.Test, false), (EvaluationSplit.Test, true), (EvaluationSplit.Valid, false), (EvaluationSplit.Valid, true)];
        var reports = new List<SplitReport>();
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var encoding = context.AddTask("encode item texts", maxValue: data.Items.Count);
                var texts = data.Items.Select(item => item.Text).ToArray();
                var content = ContentEmbeddingCache.GetOrCompute(
                    encoder, texts, settings.EmbeddingsCache, progress: new TaskProgress(encoding));
                encoding.Value = encoding.MaxValue;

                var building = context.AddTask("item embeddings", maxValue: artifacts.Models.Count + 4);
                var scorers = BuildScorers(data, content, artifacts, settings, () => building.Increment(1));
                building.Value = building.MaxValue;

                var tasks = runs.SelectMany(run => scorers.Select(scorer =>
                    (Run: run, Scorer: scorer, Task: context.AddTask(
                        $"rank {scorer.Name} ({SplitNames.Format(run.Split)}{(run.MaskSeen ? ", masked" : "")})", autoStart: false, maxValue: RankingEvaluator.Rows(data, run.Split).Count))))
                    .ToList();
                foreach (var run in runs)
                {
                    var rows = RankingEvaluator.Rows(data, run.Split);
                    var counts = FusedRanker.CountsOf(RankingEvaluator.SequencesBefore(data, run.Split));
                    var options = new EvaluationOptions { MaskSeen = run.MaskSeen, Parallelism = settings.Threads };
                    ScorerResult? modelResult = null;
                    var baselines = new List<ScorerResult>();
                    foreach (var (_, scorer, task) in tasks.Where(t => t.Run == run))
                    {
                        task.StartTask();
                        var result = RankingEvaluator.Evaluate(scorer.For(data.Items.Count, counts), rows, options, new TaskProgress(task), cancellationToken);
                        task.Value = task.MaxValue;
                        task.StopTask();
                        var scored = new ScorerResult(scorer.Name, scorer.Kind, scorer.Description, result.Metrics, result.Elapsed);
                        if (scorer.Kind == ScorerKind.Learn)
                        {
                            modelResult = scored;
                        }
                        else
                        {
                            baselines.Add(scored);
                        }
                    }

                    reports.Add(new SplitReport(data.Name, run.Split, rows.Count, run.MaskSeen, modelResult, baselines, artifacts.Skipped));
                }
            });

        foreach (var report in reports)
        {
            WriteTable(report);
        }

        foreach (var (name, reason) in artifacts.Skipped)
        {
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[yellow]not run:[/] {name}: {reason}");
        }

        if (settings.Json is not null)
        {
            var chosen = reports.Single(r => r.Split == settings.Split && r.MaskSeen == settings.MaskSeen);
            EvaluationJson.Write(settings.Json, chosen);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"Wrote [bold]{settings.Json}[/] ({chosen.SplitName}, seen items {(chosen.MaskSeen ? "masked" : "not masked")}).");
            var chart = Path.ChangeExtension(settings.Json, ".png");
            EvaluationChart.WritePng(chosen, chart);
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"Wrote [bold]{chart}[/] (bar chart of the model against its baselines).");
        }

        if (settings.Report is not null)
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(settings.Report));
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            // One chart per split, of the headline (unmasked) table.
            var charts = new List<string>();
            foreach (var splitReport in reports.Where(r => !r.MaskSeen))
            {
                var chart = Path.Combine(folder ?? ".", "images", $"evaluation-{FileNamePart(data.Name)}-{splitReport.SplitName}.png");
                EvaluationChart.WritePng(splitReport, chart);
                charts.Add(Path.GetRelativePath(folder ?? ".", chart));
            }

            var context = new ReportContext(
                settings.Dataset,
                LayoutOf(settings.Dataset),
                data.ContentHash,
                data.Items.Count,
                encoder.ModelVersion,
                [CommandLine()],
                Machine(),
                DateTimeOffset.UtcNow,
                (IReadOnlyList<KeyValuePair<string, string>>?)artifacts.Models.FirstOrDefault(m => m.Kind == ScorerKind.Learn)?.Facts() ?? [],
                settings.Threads,
                charts);
            var experimentLog = File.Exists(settings.Experiments) ? File.ReadAllText(settings.Experiments) : null;
            var existing = File.Exists(settings.Report) ? File.ReadAllText(settings.Report) : null;
            File.WriteAllText(settings.Report, ResultsReport.Render(context, reports, settings.Experiments, experimentLog, existing));
            var others = ResultsDocument.Sections(existing).Select(s => s.Dataset).Where(name => name != data.Name).ToList();
            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture,
                $"Wrote [bold]{settings.Report}[/] (section {data.Name}: valid and test, not masked and masked{(others.Count > 0 ? $"; kept {string.Join(", ", others)}" : "")}).");
        }
    }

    /// <summary>
    /// The layout <see cref="UniSRecDataset.Load"/> reads in <paramref name="folder"/>: MovieLens when it has u.data and
    /// u.item and no *.train.inter (the same rule; the reader that applies it is internal to Actors.Dataset).
    /// </summary>
    private static DatasetLayout LayoutOf(string folder) =>
        File.Exists(Path.Combine(folder, "u.data")) && File.Exists(Path.Combine(folder, "u.item"))
        && Directory.GetFiles(folder, "*.train.inter").Length == 0
            ? DatasetLayout.MovieLens
            : DatasetLayout.UniSRec;

    /// <summary><paramref name="name"/> with anything but letters, digits, '-', '_' and '.' replaced by '_', for a file name.</summary>
    private static string FileNamePart(string name) =>
        string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_'));

    private static List<Scorer> BuildScorers(UniSRecDataset data, float[][] content, Artifacts artifacts, Settings settings, Action built)
    {
        var itemIds = data.Items.Select(item => item.Id).ToArray();
        var scorers = new List<Scorer>();
        foreach (var artifact in artifacts.Models.Where(a => a.Kind == ScorerKind.Learn))
        {
            var ranker = new PreferenceModelRanker(artifact.Name, artifact.Model, content, itemIds);
            var fusion = FusionSettings.Of(artifact.Model);
            scorers.Add(new Scorer(artifact.Name, ranker, fusion, artifact.Kind, artifact.Describe() + FusionText(fusion, "the artifact's manifest")));
            if (fusion.IsFused && !settings.NoBaselines)
            {
                scorers.Add(new Scorer($"{artifact.Name}-model-only", ranker, null, ScorerKind.LearnModelOnly, "the same model's cosine alone, without the counts and the seen penalty it is served with"));
            }

            built();
        }

        if (!settings.NoBaselines)
        {
            scorers.Add(new Scorer(
                "popularity",
                PopularityRanker.FromTraining(data),
                null,
                ScorerKind.Popularity,
                "items scored by their occurrences in the users' training sequences (valid and test targets never counted)"));
            built();
            var contentRanker = new ContentOnlyRanker(content);
            scorers.Add(new Scorer(
                contentRanker.Name,
                contentRanker,
                null,
                ScorerKind.ContentOnly,
                "user = normalised mean of the history's content embeddings, item = content embedding (LEARN w/o Align; what the grains serve without a model)"));
            built();

            // The count baselines choose their window, decay and weight on the validation split, as the trainer does for the model.
            var validRows = RankingEvaluator.Rows(data, EvaluationSplit.Valid);
            var validCounts = FusedRanker.CountsOf(RankingEvaluator.SequencesBefore(data, EvaluationSplit.Valid));
            var options = new EvaluationOptions { Parallelism = settings.Threads };
            var countsOnly = FusionSearch.Best(FusionSearch.Run(
                null, data.Items.Count, validRows, validCounts, [.. FusionSearch.DefaultGrid(1).Where(g => g.Lambda == 1)], options)).Settings;
            scorers.Add(new Scorer(
                "transitions",
                null,
                countsOnly,
                ScorerKind.Transitions,
                "item → next-item counts over the history's last items, no model (a transition counter)" + FusionText(countsOnly, "validation")));
            built();
            var blend = FusionSearch.Best(FusionSearch.Run(
                contentRanker, data.Items.Count, validRows, validCounts, FusionSearch.DefaultGrid(0.05), options)).Settings;
            scorers.Add(new Scorer(
                "content+transitions",
                contentRanker,
                blend,
                ScorerKind.ContentTransitions,
                "the content baseline's cosine fused with the same counts" + FusionText(blend, "validation")));
            built();
            foreach (var artifact in artifacts.Models.Where(a => a.Kind != ScorerKind.Learn))
            {
                var ranker = new PreferenceModelRanker(artifact.Name, artifact.Model, content, itemIds);
                scorers.Add(new Scorer(artifact.Name, ranker, null, artifact.Kind, artifact.Describe()));
                built();
            }
        }

        return scorers;
    }

    private static string FusionText(FusionSettings fusion, string chosenOn) => fusion.IsFused
        ? string.Create(CultureInfo.InvariantCulture, $"; fused with item → next-item counts: λ {fusion.Lambda}, window {fusion.Window}, decay {fusion.Decay}, τ {fusion.Temperature}, seen penalty μ {fusion.SeenPenalty} (chosen on {chosenOn})")
        : "";

    private static Artifacts LoadArtifacts(Settings settings)
    {
        var models = new List<Artifact>();
        var skipped = new Dictionary<string, string>(StringComparer.Ordinal);
        if (settings.Model is { } modelPath)
        {
            models.Add(Artifact.Load("learn", ScorerKind.Learn, "--model", modelPath, found: false));
        }
        else
        {
            skipped["learn"] = "no --model given";
        }

        if (settings.NoBaselines)
        {
            return new Artifacts(models, skipped);
        }

        var itemTowerPath = settings.BaselineModel ?? FindSibling(settings.Model, IsItemTowerContent);
        if (itemTowerPath is not null)
        {
            var artifact = Artifact.Load("item-tower-c", ScorerKind.ItemTowerContent, "--baseline-model", itemTowerPath, found: settings.BaselineModel is null);
            if (artifact.Model.Config.ItemTower != ItemTowerKind.Content)
            {
                throw new ArgumentException($"--baseline-model: '{itemTowerPath}' has itemTower 'shared'; the item tower (c) baseline needs itemTower 'content'.");
            }

            models.Add(artifact);
        }
        else
        {
            skipped["item-tower-c"] = "no --baseline-model given and no sibling of --model has itemTower \"content\" (train one with 'training -- --item-tower content')";
        }

        var sasRecPath = settings.SasRec ?? FindSibling(settings.Model, IsSasRec);
        if (sasRecPath is not null)
        {
            models.Add(Artifact.Load("sasrec", ScorerKind.SasRec, "--sasrec", sasRecPath, found: settings.SasRec is null));
        }
        else
        {
            skipped["sasrec"] = "no --sasrec given and no sibling of --model holds a SASRec artifact (train one with 'training -- --model sasrec')";
        }

        return new Artifacts(models, skipped);
    }

    /// <summary>
    /// The first (by name) other artifact folder beside <paramref name="modelPath"/> that <paramref name="matches"/>,
    /// spelt relative to the same parent as <paramref name="modelPath"/> was given.
    /// </summary>
    private static string? FindSibling(string? modelPath, Func<string, bool> matches)
    {
        if (modelPath is null)
        {
            return null;
        }

        var self = Path.GetFullPath(modelPath).TrimEnd(Path.DirectorySeparatorChar);
        var parent = Path.GetDirectoryName(self);
        if (parent is null || !Directory.Exists(parent))
        {
            return null;
        }

        var givenParent = Path.GetDirectoryName(modelPath.TrimEnd(Path.DirectorySeparatorChar)) ?? "";
        foreach (var folder in Directory.GetDirectories(parent).Order(StringComparer.Ordinal))
        {
            if (folder != self && File.Exists(Path.Combine(folder, PreferenceModel.ManifestFileName)) && matches(folder))
            {
                return Path.Combine(givenParent, Path.GetFileName(folder));
            }
        }

        return null;
    }

    private static bool IsItemTowerContent(string folder) =>
        ReadManifest(folder) is { } manifest
        && manifest.TryGetProperty("itemTower", out var tower)
        && tower.ValueKind == JsonValueKind.String
        && tower.GetString() == "content";

    /// <summary>A SASRec artifact: item-id embeddings and an adaptor whose content weight is all zero (the trainer freezes it at zero).</summary>
    private static bool IsSasRec(string folder)
    {
        if (ReadManifest(folder) is not { } manifest || !manifest.TryGetProperty("itemIds", out var ids) || ids.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        try
        {
            return PreferenceModel.Load(folder).GetTensor("adaptor.weight").All(w => w == 0f);
        }
        catch (Exception ex) when (ex is ModelFormatException or IOException)
        {
            return false;
        }
    }

    private static JsonElement? ReadManifest(string folder)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, PreferenceModel.ManifestFileName)));
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (Exception ex) when (ex is JsonException or IOException)
        {
            return null;
        }
    }

    private static void WriteTable(SplitReport report)
    {
        var published = PublishedResults.For(report.Dataset);
        var withReferences = !published.IsEmpty && !report.MaskSeen;
        var table = new Table()
            .Title($"{report.Dataset}, {report.SplitName}: {report.Users} users, seen {(report.MaskSeen ? "masked" : "not masked")}")
            .AddColumn("scorer");
        foreach (var name in RankingMetrics.Names)
        {
            table.AddColumn(new TableColumn(name).RightAligned());
        }

        if (withReferences)
        {
            table.AddColumn("reference R@10 / N@10");
        }

        foreach (var result in report.All)
        {
            string[] reference = withReferences ? [Markup.Escape(published.ShortReferenceFor(result.Kind))] : [];
            table.AddRow([Markup.Escape(result.Name), .. result.Metrics.Values.Select(ResultsReport.Format), .. reference]);
        }

        if (withReferences)
        {
            foreach (var anchor in published.Anchors)
            {
                table.AddRow([
                    $"[grey]{Markup.Escape(anchor.Method)}[/]",
                    .. RankingMetrics.Names.Select(name => name switch
                    {
                        "R@10" => ResultsReport.Format(anchor.RecallAt10 ?? double.NaN),
                        "N@10" => ResultsReport.Format(anchor.NdcgAt10 ?? double.NaN),
                        _ => "–",
                    }),
                    "published, this split",
                ]);
            }
        }

        AnsiConsole.Write(table);
        if (withReferences && published.Context.Count > 0)
        {
            AnsiConsole.MarkupLine("[grey](R) = LEARN paper, Recformer's split of the same category: context, not like-for-like. Full references: --report.[/]");
        }

        if (report.Split == EvaluationSplit.Test && !report.MaskSeen && report.Model is not null)
        {
            if (ResultsReport.TargetLine(report) is { } target)
            {
                AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"{target}");
            }

            AnsiConsole.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"{ResultsReport.BaselineGoalLine(report)}");
        }
    }

    /// <summary>The command as it can be rerun from the repository root.</summary>
    private static string CommandLine()
    {
        var configuration = typeof(EvaluateCommand).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var arguments = Environment.GetCommandLineArgs().Skip(1).Select(Quote);
        return $"dotnet run -c {configuration} --project client -- {string.Join(' ', arguments)}";
    }

    private static string Quote(string argument) =>
        argument.Length > 0 && argument.All(c => char.IsLetterOrDigit(c) || "-_./=@:,+".Contains(c, StringComparison.Ordinal))
            ? argument
            : $"'{argument.Replace("'", "'\\''", StringComparison.Ordinal)}'";

    private static string Machine()
    {
        var cpu = "unknown CPU";
        try
        {
            var line = File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                : null;
            if (line is not null)
            {
                cpu = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
            }
        }
        catch (IOException)
        {
            // The CPU name is a courtesy; the report is still valid without it.
        }

        return string.Create(
            CultureInfo.InvariantCulture,
            $"`{Environment.MachineName}` ({cpu}, {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version})");
    }

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

    private sealed record Settings(
        string Dataset,
        string? Model,
        EvaluationSplit Split,
        string? Json,
        bool MaskSeen,
        string? BaselineModel,
        string? SasRec,
        bool NoBaselines,
        string? Report,
        string Experiments,
        string? EmbeddingsCache,
        int Threads);

    /// <summary>
    /// A row of the tables: a cosine ranker (null = none) and the fusion it is served with (null = the cosine alone),
    /// made into the ranker of a split once that split's counts are known.
    /// </summary>
    private sealed record Scorer(string Name, IRanker? Ranker, FusionSettings? Fusion, ScorerKind Kind, string Description)
    {
        public IRanker For(int itemCount, TransitionCounts<int> counts) =>
            Fusion is { IsFused: true } || Ranker is null
                ? new FusedRanker(Name, Ranker, itemCount, counts, Fusion ?? FusionSettings.ModelOnly)
                : Ranker;
    }

    private sealed record Artifacts(List<Artifact> Models, IReadOnlyDictionary<string, string> Skipped);

    private sealed record Artifact(string Name, ScorerKind Kind, string Option, string Path, bool Found, PreferenceModel Model)
    {
        public static Artifact Load(string name, ScorerKind kind, string option, string path, bool found)
        {
            try
            {
                return new Artifact(name, kind, option, path, found, PreferenceModel.Load(path));
            }
            catch (Exception ex) when (ex is ModelFormatException or FileNotFoundException)
            {
                throw new ArgumentException($"{option}: {ex.Message}", ex);
            }
        }

        public string Describe()
        {
            var config = Model.Config;
            var how = Found ? $"found beside --model; {Option} overrides" : Option;
            return string.Create(
                CultureInfo.InvariantCulture,
                $"`{Path}` ({how}), version `{Model.Version}`: hidden {config.Hidden}, {config.Layers} layers, {config.Heads} heads, ff {config.FeedForward}, "
                + $"out {config.OutputDimension}, positions {config.Positions.ToString().ToLowerInvariant()}, item tower {config.ItemTower.ToString().ToLowerInvariant()}, "
                + $"{config.IdEmbeddings} id embeddings, window {config.MaxLength}");
        }

        public List<KeyValuePair<string, string>> Facts()
        {
            var facts = new List<KeyValuePair<string, string>> { new("path", Path), new("version", Model.Version) };
            foreach (var (key, value) in Model.Metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
                facts.Add(new(key, text.Length > 300 ? text[..300] + "…" : text));
            }

            return facts;
        }
    }

    /// <summary>Sets a progress bar's value from a count reported by any thread (ProgressTask locks internally).</summary>
    private sealed class TaskProgress(ProgressTask task) : IProgress<int>
    {
        public void Report(int value) => task.Value = value;
    }
}

using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Actors.Dataset;
using Actors.Encoder;
using Actors.Model;
using Spectre.Console;

namespace Actors.Training;

internal static class Program
{
    private static int Main(string[] args)
    {
        var commandLine = new TrainingCommandLine();
        commandLine.Command.SetAction(parse =>
        {
            try
            {
                return Run(commandLine.Bind(parse));
            }
            catch (Exception e) when (e is DatasetFormatException or ModelFormatException or FileNotFoundException)
            {
                // A folder that parsed as a path but holds no data set (--dataset) or no artifact (--out, with --refit-fusion).
                Console.Error.WriteLine($"error: {e.Message}");
                return 1;
            }
        });
        var parsed = commandLine.Parse(args);
        // No termination handling of System.CommandLine's own: Ctrl+C ends a run at once, as before (the best epoch so far is saved).
        var exitCode = parsed.Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null });
        return parsed.Errors.Count > 0 ? TrainingCommandLine.UsageExitCode : exitCode;
    }

    private static int Run(TrainingOptions options)
    {
        var clock = Stopwatch.StartNew();
        var data = LoadData(options);
        if (options.RefitFusion)
        {
            // The weights stay; only the served fusion is chosen again on this data set's validation split.
            var artifact = PreferenceModel.Load(options.Output);
            var temperature = FusionSettings.Of(artifact) is { IsFused: true } current ? current.Temperature : options.Temperature;
            var refit = TrainingValidation.ChooseFusion(artifact, data, temperature, Console.WriteLine);
            ArtifactExport.WithFusion(artifact, refit).Save(options.Output);
            Console.WriteLine($"wrote the fusion chosen on {data.Name} into {Path.GetFullPath(options.Output)}");
            return 0;
        }

        var embeddingSeconds = clock.Elapsed.TotalSeconds;
        var interactive = !options.Quiet && AnsiConsole.Profile.Capabilities.Interactive;
        TrainingResult result;
        if (interactive)
        {
            result = AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .Start(context =>
                {
                    var task = context.AddTask("training", maxValue: options.Epochs);
                    var trainer = new Trainer(options, line => AnsiConsole.WriteLine(line))
                    {
                        BestModelChanged = model => model.Save(options.Output),
                        StepCompleted = (epoch, step, steps) =>
                        {
                            task.Description = string.Create(CultureInfo.InvariantCulture, $"epoch {epoch}/{options.Epochs}");
                            task.Value = epoch - 1 + ((double)step / steps);
                        },
                    };
                    var run = trainer.Train(data);
                    task.Value = options.Epochs;
                    return run;
                });
        }
        else
        {
            result = new Trainer(options, Console.WriteLine) { BestModelChanged = model => model.Save(options.Output) }.Train(data);
        }

        result.Model.Save(options.Output);
        foreach (var plot in TrainingPlots.Write(result.StepLosses, result.Epochs, Path.Combine(options.Output, "plots")))
        {
            Console.WriteLine($"wrote {plot}");
        }
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"best epoch {result.BestEpoch}: valid R@10 {result.Valid.RecallAt10:F4} N@10 {result.Valid.NdcgAt10:F4}; served (fused) R@10 {result.Fusion?.Metrics.RecallAt10:F4} N@10 {result.Fusion?.Metrics.NdcgAt10:F4}; training {result.Seconds:F0}s (+ {embeddingSeconds:F0}s data and embeddings); wrote {result.Model.Version} to {Path.GetFullPath(options.Output)}"));
        return 0;
    }

    private static TrainingData LoadData(TrainingOptions options)
    {
        var dataset = UniSRecDataset.Load(options.Dataset);
        using var encoder = new TextEncoder(new EncoderOptions());
        var texts = dataset.Items.Select(i => i.Text).ToArray();
        var content = ContentEmbeddingCache.GetOrCompute(
            encoder,
            texts,
            options.EmbeddingCache,
            progress: new Progress<int>(done =>
            {
                if (done % 1024 < 64 || done == texts.Length)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"content embeddings: {done}/{texts.Length}"));
                }
            }));
        return new TrainingData(
            dataset.Name,
            dataset.Items.Select(i => i.Id).ToArray(),
            content,
            dataset.TrainingSequences(),
            dataset.Valid,
            dataset.ContentHash,
            encoder.ModelVersion);
    }
}

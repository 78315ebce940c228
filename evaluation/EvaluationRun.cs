using Actors.Dataset;
using Actors.Encoder;

namespace Actors.Evaluation;

/// <summary>What to evaluate and where to write it: the <c>actors-evaluate</c> options, already validated.</summary>
/// <param name="Dataset">Data set folder (UniSRec atomic files or MovieLens 100K).</param>
/// <param name="Model">LEARN artifact folder; null = the baselines only.</param>
/// <param name="Split">The split of <paramref name="Json"/> and the console (without <paramref name="Report"/>).</param>
/// <param name="Json">Write <paramref name="Split"/>'s metrics (and a chart beside them) here; null = not.</param>
/// <param name="MaskSeen">Remove history items from the ranking for <paramref name="Json"/> and the console.</param>
/// <param name="BaselineModel">Item tower (c) artifact; null = a sibling of <paramref name="Model"/>.</param>
/// <param name="SasRec">SASRec artifact; null = a sibling of <paramref name="Model"/>.</param>
/// <param name="NoBaselines">Evaluate <paramref name="Model"/> alone.</param>
/// <param name="Report">Evaluate both splits both ways and write this data set's section of this Markdown file; null = not.</param>
/// <param name="Experiments">The trainer's experiment log, included in <paramref name="Report"/> when it exists.</param>
/// <param name="EmbeddingsCache">Content embedding cache folder; null = the encoder's default.</param>
/// <param name="Threads">Worker threads for ranking.</param>
public sealed record EvaluationRequest(
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

/// <summary>What <see cref="EvaluationRun.WriteJson"/> wrote.</summary>
/// <param name="Report">The table written.</param>
/// <param name="Json">The JSON file.</param>
/// <param name="Chart">The bar chart beside it.</param>
public sealed record JsonOutput(SplitReport Report, string Json, string Chart);

/// <summary>
/// One evaluation, offline (no cluster) through the same serving code as the grains: the data set, its content
/// embeddings from the silo's encoder, the artifacts (<see cref="ArtifactDiscovery"/>) and scorers
/// (<see cref="Scorers"/>), every user of a split ranked over all items (<see cref="RankingEvaluator"/>), and the
/// reports written (<see cref="EvaluationJson"/>, <see cref="EvaluationChart"/>, <see cref="ResultsReport"/>).
/// In steps, so a command can print between them: <see cref="Prepare"/>, <see cref="OpenEncoder"/>,
/// <see cref="Rank"/>, then the writers.
/// </summary>
public sealed class EvaluationRun : IDisposable
{
    private TextEncoder? _encoder;

    private EvaluationRun(EvaluationRequest request, UniSRecDataset data, ArtifactSet artifacts)
    {
        Request = request;
        Data = data;
        Artifacts = artifacts;

        // The report has every split both ways, the unmasked table (the headline, as published) first.
        Tables = request.Report is null
            ? [(request.Split, request.MaskSeen)]
            : [(EvaluationSplit.Test, false), (EvaluationSplit.Test, true), (EvaluationSplit.Valid, false), (EvaluationSplit.Valid, true)];
    }

    /// <summary>What was asked.</summary>
    public EvaluationRequest Request { get; }

    /// <summary>The data set.</summary>
    public UniSRecDataset Data { get; }

    /// <summary>The artifacts evaluated and the scorers skipped.</summary>
    public ArtifactSet Artifacts { get; }

    /// <summary>The tables <see cref="Rank"/> produces, in order: split and whether seen items are masked.</summary>
    public IReadOnlyList<(EvaluationSplit Split, bool MaskSeen)> Tables { get; }

    /// <summary>How seen items are treated, in words: not masked, masked, or both (with a report).</summary>
    public string Masking => Request.Report is not null ? "both not masked and masked" : Request.MaskSeen ? "masked" : "not masked";

    /// <summary>The encoder's identity; valid after <see cref="OpenEncoder"/>.</summary>
    public string EncoderVersion => Encoder.ModelVersion;

    private TextEncoder Encoder => _encoder ?? throw new InvalidOperationException($"Call {nameof(OpenEncoder)} first.");

    /// <summary>Loads the data set and the artifacts, and checks that an existing report can be merged into.</summary>
    /// <exception cref="ArgumentException">An artifact cannot be loaded or is of the wrong kind (naming its option).</exception>
    /// <exception cref="DatasetFormatException">The data set is malformed.</exception>
    /// <exception cref="InvalidOperationException">The existing report's section markers do not pair up.</exception>
    public static EvaluationRun Prepare(EvaluationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var data = UniSRecDataset.Load(Path.GetFullPath(request.Dataset));
        if (request.Report is not null && File.Exists(request.Report))
        {
            // Fail before ranking, not after, when the other data sets' sections could not be kept.
            ResultsDocument.Sections(File.ReadAllText(request.Report));
        }

        var artifacts = ArtifactDiscovery.Discover(request.Model, request.BaselineModel, request.SasRec, request.NoBaselines);
        return new EvaluationRun(request, data, artifacts);
    }

    /// <summary>Loads the content encoder (the silo's defaults) and checks every artifact takes its embeddings.</summary>
    /// <exception cref="ArgumentException">An artifact expects another content dimension (naming its option).</exception>
    public void OpenEncoder()
    {
        _encoder ??= new TextEncoder(new EncoderOptions());
        foreach (var artifact in Artifacts.Models)
        {
            if (artifact.Model.ContentDimension != _encoder.Dimension)
            {
                throw new ArgumentException(
                    $"{artifact.Option}: '{artifact.Path}' expects {artifact.Model.ContentDimension}-d content embeddings; the encoder '{_encoder.ModelVersion}' gives {_encoder.Dimension}.");
            }
        }
    }

    /// <summary>Encodes the items (or reads the cache), builds the scorers and ranks every table of <see cref="Tables"/>.</summary>
    public IReadOnlyList<SplitReport> Rank(IEvaluationProgress progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var encoder = Encoder;
        var data = Data;
        var encoding = progress.Add("encode item texts", data.Items.Count);
        var texts = data.Items.Select(item => item.Text).ToArray();
        var content = ContentEmbeddingCache.GetOrCompute(encoder, texts, Request.EmbeddingsCache, progress: encoding);
        encoding.Complete();

        var building = progress.Add("item embeddings", Artifacts.Models.Count + 4);
        var scorers = Scorers.Build(data, content, Artifacts, !Request.NoBaselines, Request.Threads, building.Advance);
        building.Complete();

        var steps = Tables.SelectMany(table => scorers.Select(scorer =>
            (Table: table, Scorer: scorer, Step: progress.Add(
                $"rank {scorer.Name} ({SplitNames.Format(table.Split)}{(table.MaskSeen ? ", masked" : "")})", RankingEvaluator.Rows(data, table.Split).Count, started: false))))
            .ToList();
        var reports = new List<SplitReport>();
        foreach (var table in Tables)
        {
            var rows = RankingEvaluator.Rows(data, table.Split);
            var counts = FusedRanker.CountsOf(RankingEvaluator.SequencesBefore(data, table.Split));
            var options = new EvaluationOptions { MaskSeen = table.MaskSeen, Parallelism = Request.Threads };
            ScorerResult? modelResult = null;
            var baselines = new List<ScorerResult>();
            foreach (var (_, scorer, step) in steps.Where(s => s.Table == table))
            {
                step.Start();
                var result = RankingEvaluator.Evaluate(scorer.For(data.Items.Count, counts), rows, options, step, cancellationToken);
                step.Complete();
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

            reports.Add(new SplitReport(data.Name, table.Split, rows.Count, table.MaskSeen, modelResult, baselines, Artifacts.Skipped));
        }

        return reports;
    }

    /// <summary>Writes <see cref="EvaluationRequest.Json"/> (the requested table of <paramref name="reports"/>) and its chart.</summary>
    /// <exception cref="InvalidOperationException">No JSON file was asked for.</exception>
    public JsonOutput WriteJson(IReadOnlyList<SplitReport> reports)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var path = Request.Json ?? throw new InvalidOperationException("No --json file was asked for.");
        var chosen = reports.Single(r => r.Split == Request.Split && r.MaskSeen == Request.MaskSeen);
        EvaluationJson.Write(path, chosen);
        var chart = Path.ChangeExtension(path, ".png");
        EvaluationChart.WritePng(chosen, chart);
        return new JsonOutput(chosen, path, chart);
    }

    /// <summary>
    /// Writes this data set's section of <see cref="EvaluationRequest.Report"/> (one chart per split of the unmasked
    /// tables, in <c>images/</c> beside it), keeping the other data sets' sections; returns their names.
    /// </summary>
    /// <param name="reports">The four tables of <see cref="Rank"/>.</param>
    /// <param name="command">The command that reruns this evaluation from the repository root, as the report states it.</param>
    /// <param name="generated">When the section was generated.</param>
    /// <exception cref="InvalidOperationException">No report was asked for.</exception>
    public IReadOnlyList<string> WriteReport(IReadOnlyList<SplitReport> reports, string command, DateTimeOffset generated)
    {
        ArgumentNullException.ThrowIfNull(reports);
        var path = Request.Report ?? throw new InvalidOperationException("No --report file was asked for.");
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        // One chart per split, of the headline (unmasked) table.
        var charts = new List<string>();
        foreach (var splitReport in reports.Where(r => !r.MaskSeen))
        {
            var chart = Path.Combine(folder ?? ".", "images", $"evaluation-{FileNamePart(Data.Name)}-{splitReport.SplitName}.png");
            EvaluationChart.WritePng(splitReport, chart);
            charts.Add(Path.GetRelativePath(folder ?? ".", chart));
        }

        var context = new ReportContext(
            Request.Dataset,
            LayoutOf(Request.Dataset),
            Data.ContentHash,
            Data.Items.Count,
            EncoderVersion,
            [command],
            ResultsReport.MachineText(MachineDescription.Current()),
            generated,
            Artifacts.Learn?.Facts() ?? [],
            Request.Threads,
            charts);
        var experimentLog = File.Exists(Request.Experiments) ? File.ReadAllText(Request.Experiments) : null;
        var existing = File.Exists(path) ? File.ReadAllText(path) : null;
        File.WriteAllText(path, ResultsReport.Render(context, reports, Request.Experiments, experimentLog, existing));
        return [.. ResultsDocument.Sections(existing).Select(s => s.Dataset).Where(name => name != Data.Name)];
    }

    /// <inheritdoc/>
    public void Dispose() => _encoder?.Dispose();

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
}

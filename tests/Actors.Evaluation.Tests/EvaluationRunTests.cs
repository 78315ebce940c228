using System.Text.Json;
using Actors.Model;

namespace Actors.Evaluation.Tests;

/// <summary>An evaluation run end to end on a tiny data set, through the real encoder (its model ships in a package).</summary>
public sealed class EvaluationRunTests : IDisposable
{
    private readonly SyntheticDataset _data = SyntheticDataset.Create(users: 40, items: 30, seed: 91);

    public void Dispose() => _data.Dispose();

    [Fact]
    public void Run_WritesTheRequestedTable_WithTheModelAndEveryBaseline()
    {
        var models = Path.Combine(_data.Folder, "models");
        var model = TestArtifacts.Save(Path.Combine(models, "learn"), ArtifactKind.Learn, contentDimension: 384);
        TestArtifacts.Save(Path.Combine(models, "sasrec"), ArtifactKind.SasRec, contentDimension: 384);
        var json = Path.Combine(_data.Folder, "out", "valid.json");

        using var run = EvaluationRun.Prepare(Request(model, json));
        run.OpenEncoder();
        var reports = run.Rank(NoProgress.Instance);
        var written = run.WriteJson(reports);

        var report = Assert.Single(reports);
        Assert.Equal((EvaluationSplit.Valid, false), (report.Split, report.MaskSeen));
        Assert.Equal("learn", report.Model!.Name);
        Assert.Equal(["popularity", "content-only", "transitions", "content+transitions", "sasrec"], report.Baselines.Select(b => b.Name));
        Assert.Equal("item-tower-c", Assert.Single(report.Skipped).Key);
        Assert.True(File.Exists(written.Chart));
        using var document = JsonDocument.Parse(File.ReadAllBytes(json));
        Assert.Equal("valid", document.RootElement.GetProperty("split").GetString());
        Assert.Equal(Math.Round(report.Model.Metrics.NdcgAt10, 6), document.RootElement.GetProperty("metrics").GetProperty("N@10").GetDouble());
    }

    [Fact]
    public void OpenEncoder_ArtifactOfAnotherContentDimension_IsAnErrorNamingTheOption()
    {
        var model = TestArtifacts.Save(Path.Combine(_data.Folder, "models", "learn"), ArtifactKind.Learn, contentDimension: 12);

        using var run = EvaluationRun.Prepare(Request(model, json: null) with { NoBaselines = true });
        var error = Assert.Throws<ArgumentException>(run.OpenEncoder);

        Assert.StartsWith("--model:", error.Message, StringComparison.Ordinal);
        Assert.Contains("12-d content embeddings", error.Message, StringComparison.Ordinal);
    }

    private EvaluationRequest Request(string model, string? json) => new(
        _data.Folder, model, EvaluationSplit.Valid, json, MaskSeen: false, BaselineModel: null, SasRec: null, NoBaselines: false,
        Report: null, Experiments: "no-such-log.md", EmbeddingsCache: Path.Combine(_data.Folder, "embeddings"), Threads: 2);
}

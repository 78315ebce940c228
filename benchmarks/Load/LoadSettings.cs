namespace Actors.Benchmarks.Load;

/// <summary>Sizes and paths of one load-harness run (<c>--quick</c> for checks, full by default); the command line is <see cref="BenchmarkCommandLine"/>.</summary>
internal sealed record LoadSettings
{
    public bool Quick { get; init; }

    /// <summary>Where the JSON figures go; null = not written.</summary>
    public string? JsonPath { get; init; }

    /// <summary>Where the generated Markdown page goes. Default <c>docs/performance.md</c>.</summary>
    public string DocPath { get; init; } = Path.Combine(RepositoryPaths.Root, "docs", "performance.md");

    /// <summary>"content" (no alignment model), "random" (LEARN shape, seeded weights) or an artifact folder; null = models/learn-scientific when present, else content.</summary>
    public string? Model { get; init; }

    /// <summary>Runs one part only (tower, encoder, events or retrieval), for profiling; the page is then not written.</summary>
    public string? Only { get; init; }

    /// <summary>The command line as typed, for the report.</summary>
    public string CommandLine { get; init; } = "";

    /// <summary>The catalog one retrieval measurement loads; null = the largest of <see cref="CatalogSizes"/>.</summary>
    public int? Catalog { get; init; }

    public int CatalogSize => Catalog ?? CatalogSizes[^1];

    /// <summary>The catalogs retrieval is measured at, in order (the report's top-level figures are the last one's).</summary>
    public int[] CatalogSizes => Quick ? [100_000] : [100_000, 1_000_000];

    /// <summary>
    /// Index shards of the 2-silo retrieval cluster: one per silo (a query searches every shard, so fewer and larger is
    /// cheaper), each past Index:HnswThreshold (20,000), so they search with HNSW.
    /// </summary>
    public int Shards => 2;

    /// <summary>Texts per round of the encoder comparison (three rounds, alternating raw and grain).</summary>
    public int EncoderTexts => Quick ? 256 : 512;

    public int EncoderBatch => 64;

    public int BatchingUpserts => Quick ? 256 : 640;

    /// <summary>How many times the Scientific training interactions are replayed (each by a distinct copy of every user).</summary>
    public int EventReplays => Quick ? 1 : 3;

    public int QueryUsers => Quick ? 200 : 300;

    public int Queries => Quick ? 1_000 : 3_000;

    public int WarmupQueries => 200;

    /// <summary>True when the run includes <paramref name="part"/>.</summary>
    public bool Runs(string part) => Only is null || Only == part;
}

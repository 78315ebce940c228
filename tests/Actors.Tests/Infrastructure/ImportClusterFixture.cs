namespace Actors.Tests.Infrastructure;

/// <summary>
/// A two-silo cluster for batch imports: three shards that search with HNSW from their first item, a short journal
/// limit and small snapshot records, so an import of a few thousand items also folds batch records into snapshots of
/// several records each.
/// </summary>
public sealed class ImportClusterFixture : ClusterFixture
{
    public const int Shards = 3;

    protected override Dictionary<string, string?> Settings()
    {
        var settings = base.Settings();
        settings["Index:Shards"] = Shards.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Index:HnswThreshold"] = "0";
        settings["Index:JournalLimit"] = "200";
        settings["Index:SnapshotRecordItems"] = "300";
        settings["Items:MaxTextLength"] = "2000";
        return settings;
    }
}

[CollectionDefinition(Name)]
public sealed class ImportClusterCollectionDefinition : ICollectionFixture<ImportClusterFixture>
{
    public const string Name = "import cluster";
}

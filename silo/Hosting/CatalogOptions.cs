namespace Actors.Silo.Hosting;

/// <summary>The bundled sample catalog (section <c>Catalog</c>).</summary>
public sealed class CatalogOptions
{
    public const string Section = "Catalog";

    /// <summary>The data set imported when the cluster holds no items, relative to the binary's folder. Default "data/Scientific".</summary>
    public string SampleDataset { get; set; } = "data/Scientific";

    /// <summary>
    /// Import the sample catalog (items, then training interactions as events) into this cluster once: one silo at a
    /// time holds the import's lease, completion is recorded durably, an interrupted import is taken up on the next
    /// start, a failed one is retried with backoff. A cluster that already held items before its first import attempt is
    /// left as it is. Default true (the embedded default); the production profile sets false.
    /// </summary>
    public bool ImportWhenEmpty { get; set; } = true;

    /// <summary>How long a silo's hold on the import lasts unless renewed (it renews a third of the way). Default 1 min.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The wait after a first failed attempt, doubled after each further one; also how often a waiting silo asks. Default 5 s.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between attempts. Default 5 min.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Import only the first this many users and the items they touch (0: all). Default 0.</summary>
    public int MaxUsers { get; set; }
}

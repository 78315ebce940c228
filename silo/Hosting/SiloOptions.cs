namespace Actors.Silo.Hosting;

/// <summary>How silos find each other.</summary>
public enum ClusteringProvider
{
    /// <summary>One loopback silo, or several that name the first as primary: no shared storage (the embedded default).</summary>
    Localhost,

    /// <summary>Membership in an Azure Storage table (<c>ConnectionStrings:AzureStorage</c>): any number of silos, fail-over.</summary>
    AzureTable,
}

/// <summary>How this silo joins its cluster (section <c>Orleans</c>).</summary>
public sealed class SiloOptions
{
    public const string Section = "Orleans";

    /// <summary>
    /// Membership provider (<c>Orleans:Membership</c>; not <c>Orleans:Clustering</c>, which Orleans reads itself).
    /// Default <see cref="ClusteringProvider.Localhost"/>.
    /// </summary>
    public ClusteringProvider Membership { get; set; } = ClusteringProvider.Localhost;

    /// <summary>
    /// The address this silo advertises to the others and listens on (AzureTable clustering). Default 127.0.0.1, so a
    /// silo is reachable from beyond the machine only when configured to be.
    /// </summary>
    public string AdvertisedIPAddress { get; set; } = "127.0.0.1";

    /// <summary>The cluster this silo belongs to. Default "actors-local".</summary>
    public string ClusterId { get; set; } = "actors-local";

    /// <summary>The service identity, stable across deployments (storage keys depend on it). Default "actors".</summary>
    public string ServiceId { get; set; } = "actors";

    /// <summary>Silo-to-silo port. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client gateway port. Default 30000.</summary>
    public int GatewayPort { get; set; } = 30000;
}

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

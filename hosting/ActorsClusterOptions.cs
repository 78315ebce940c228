using Microsoft.Extensions.Configuration;

namespace Actors.Hosting;

/// <summary>How silos find each other, and clients find the silos.</summary>
public enum ClusteringProvider
{
    /// <summary>One loopback silo, or several that name the first as primary: no shared storage (the embedded default).</summary>
    Localhost,

    /// <summary>Membership in an Azure Storage table (<c>ConnectionStrings:AzureStorage</c>): any number of silos, fail-over.</summary>
    AzureTable,
}

/// <summary>
/// The cluster a silo joins and a client connects to (section <c>Orleans</c>). Silos, the command-line client, the chaos
/// probe and the tests read it through <see cref="Read"/>; these defaults are the only place they are written.
/// </summary>
public sealed class ActorsClusterOptions
{
    public const string Section = "Orleans";

    /// <summary>
    /// Membership provider (<c>Orleans:Membership</c>; not <c>Orleans:Clustering</c>, which Orleans reads itself).
    /// Default <see cref="ClusteringProvider.Localhost"/>.
    /// </summary>
    public ClusteringProvider Membership { get; set; } = ClusteringProvider.Localhost;

    /// <summary>
    /// The address a silo advertises to the others and listens on (AzureTable clustering). Default 127.0.0.1, so a
    /// silo is reachable from beyond the machine only when configured to be.
    /// </summary>
    public string AdvertisedIPAddress { get; set; } = "127.0.0.1";

    /// <summary>The cluster this silo belongs to, or this client connects to. Default "actors-local".</summary>
    public string ClusterId { get; set; } = "actors-local";

    /// <summary>The service identity, stable across deployments (storage keys depend on it). Default "actors".</summary>
    public string ServiceId { get; set; } = "actors";

    /// <summary>Silo-to-silo port. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client gateway port (a localhost client connects to it). Default 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The section as configured, the defaults above where a key is missing.</summary>
    public static ActorsClusterOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.GetSection(Section).Get<ActorsClusterOptions>() ?? new ActorsClusterOptions();
    }
}

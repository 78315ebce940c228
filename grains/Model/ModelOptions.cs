namespace Actors.Grains.Model;

/// <summary>The LEARN preference model the silo serves (section <c>Model</c>), and how the silos follow the model registry.</summary>
public sealed class ModelOptions
{
    public const string Section = "Model";

    /// <summary>
    /// Folder of a trained artifact (<c>model.safetensors</c> + <c>manifest.json</c>), relative to the binary's folder:
    /// the configured model, whose index is slot 0 and which serves until another version is activated through the
    /// registry. Empty: no alignment model; item embeddings are the content embeddings and a user embedding is the mean of
    /// the history's content embeddings (LEARN's "without alignment" baseline). Default empty; appsettings.json sets the
    /// shipped artifact, <c>models/learn-scientific</c>.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>How often each silo reads the registry's routing (which version serves, which indexes are live). Default 1 s.</summary>
    public TimeSpan RoutingRefresh { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long after a version is marked building its index shards wait before they copy the item ids of slot 0: every
    /// silo has read the new routing by then (several <see cref="RoutingRefresh"/> periods), so every item upsert from
    /// then on reaches the new index too. Default 3 s.
    /// </summary>
    public TimeSpan BuildDelay { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How often the registry checks the progress of the indexes it builds. Default 1 s.</summary>
    public TimeSpan BuildPoll { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Folder the silo unpacks uploaded artifacts into before loading them (one sub-folder per version). Default: the
    /// temporary folder's <c>actors-models</c>.
    /// </summary>
    public string? ArtifactCache { get; set; }
}

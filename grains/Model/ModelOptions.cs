namespace Actors.Grains.Model;

/// <summary>The LEARN preference model the silo serves (section <c>Model</c>).</summary>
public sealed class ModelOptions
{
    public const string Section = "Model";

    /// <summary>
    /// Folder of a trained artifact (<c>model.safetensors</c> + <c>manifest.json</c>), relative to the binary's folder.
    /// Empty: no alignment model; item embeddings are the content embeddings and a user embedding is the mean of the
    /// history's content embeddings (LEARN's "without alignment" baseline). Default empty; appsettings.json sets the
    /// shipped artifact, <c>models/learn-scientific</c>.
    /// </summary>
    public string? Path { get; set; }
}

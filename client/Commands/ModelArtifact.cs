namespace Actors.Client.Commands;

/// <summary>A model artifact on disk, as <c>models upload --dir</c> reads it: the folder training writes.</summary>
internal static class ModelArtifact
{
    public const string ManifestFile = "manifest.json";
    public const string WeightsFile = "model.safetensors";

    /// <summary>The first file of the artifact <paramref name="folder"/> lacks, or null.</summary>
    public static string? Missing(DirectoryInfo folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        return !File.Exists(Path.Combine(folder.FullName, ManifestFile)) ? ManifestFile
            : !File.Exists(Path.Combine(folder.FullName, WeightsFile)) ? WeightsFile
            : null;
    }

    public static async Task<ModelUpload> ReadAsync(DirectoryInfo folder, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var manifest = await File.ReadAllBytesAsync(Path.Combine(folder.FullName, ManifestFile), cancellationToken);
        var weights = await File.ReadAllBytesAsync(Path.Combine(folder.FullName, WeightsFile), cancellationToken);
        return new ModelUpload(manifest, weights);
    }
}

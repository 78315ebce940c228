using System.Security.Cryptography;
using Actors.Model;

namespace Actors.Grains.Models;

/// <summary>Uploaded artifact bytes as the folder <see cref="PreferenceModel.Load"/> reads.</summary>
internal static class ModelArtifactFiles
{
    /// <summary>
    /// Writes <paramref name="artifact"/> into a folder of <paramref name="cache"/> (default: the temporary folder's
    /// <c>actors-models</c>) named by <paramref name="name"/> and the bytes' hash, so two silos of one machine and two
    /// uploads under one name never share a folder; returns the folder. Files are written under temporary names and
    /// moved into place, so a reader never sees half a file.
    /// </summary>
    public static string Unpack(ModelUpload artifact, string name, string? cache)
    {
        var root = string.IsNullOrWhiteSpace(cache) ? Path.Combine(Path.GetTempPath(), "actors-models") : cache;
        var folder = Path.Combine(root, $"{Sanitize(name)}-{Hash(artifact)}");
        Directory.CreateDirectory(folder);
        Write(Path.Combine(folder, PreferenceModel.ManifestFileName), artifact.Manifest);
        Write(Path.Combine(folder, PreferenceModel.WeightsFileName), artifact.Weights);
        return folder;
    }

    /// <summary>A short hash of both files' bytes.</summary>
    public static string Hash(ModelUpload artifact)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(artifact.Manifest);
        sha.AppendData(artifact.Weights);
        return Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
    }

    private static void Write(string path, byte[] bytes)
    {
        if (File.Exists(path) && new FileInfo(path).Length == bytes.Length)
        {
            return;
        }
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }

    private static string Sanitize(string name) =>
        new(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').Take(80).ToArray());
}

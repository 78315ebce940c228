using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Actors.Model.Tests;

public sealed class SaveLoadTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("actors-model-tests-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(false, PositionEncoding.None)]
    [InlineData(true, PositionEncoding.Learned)]
    public void SaveThenLoad_IsBitIdentical(bool normFirst, PositionEncoding positions)
    {
        var original = PreferenceModel.CreateRandom(TestModels.Small(normFirst, positions), 3);
        var first = Folder("first");
        var second = Folder("second");

        original.Save(first);
        var loaded = PreferenceModel.Load(first);
        loaded.Save(second);

        Assert.Equal(original.Config, loaded.Config);
        Assert.Equal(original.Version, loaded.Version);
        foreach (var spec in original.Config.TensorSpecs())
        {
            Assert.Equal(Bits(original.GetTensor(spec.Name)), Bits(loaded.GetTensor(spec.Name)));
        }

        Assert.Equal(File.ReadAllBytes(Path.Combine(first, PreferenceModel.WeightsFileName)), File.ReadAllBytes(Path.Combine(second, PreferenceModel.WeightsFileName)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(first, PreferenceModel.ManifestFileName)), File.ReadAllBytes(Path.Combine(second, PreferenceModel.ManifestFileName)));
        var history = TestModels.RandomEvents(12, original.ContentDimension, 4);
        Assert.Equal(original.UserEmbedding(history), loaded.UserEmbedding(history));
    }

    [Fact]
    public void Manifest_KeepsExtraFields_AndUsesTheContractNames()
    {
        var metadata = new Dictionary<string, JsonElement>
        {
            ["encoder"] = JsonSerializer.SerializeToElement("all-MiniLM-L6-v2"),
            ["metrics"] = JsonSerializer.SerializeToElement(new Dictionary<string, double> { ["recall@10"] = 0.125 }),
        };
        var tiny = TestModels.Tiny(true, PositionEncoding.Learned, finalNorm: true);
        var tensors = new Dictionary<string, float[]>();
        foreach (var spec in tiny.Config.TensorSpecs())
        {
            tensors[spec.Name] = tiny.GetTensor(spec.Name);
        }

        var model = PreferenceModel.FromTensors(tiny.Config, tensors, "v7", metadata);
        var folder = Folder("meta");
        model.Save(folder);
        var loaded = PreferenceModel.Load(folder);

        Assert.Equal("v7", loaded.Version);
        Assert.Equal("all-MiniLM-L6-v2", loaded.Metadata["encoder"].GetString());
        Assert.Equal(0.125, loaded.Metadata["metrics"].GetProperty("recall@10").GetDouble());
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(folder, PreferenceModel.ManifestFileName)))!.AsObject();
        Assert.Equal("learn-pal/1", (string?)manifest["format"]);
        Assert.Equal(3, (int?)manifest["contentDim"]);
        Assert.Equal(4, (int?)manifest["hidden"]);
        Assert.Equal(1, (int?)manifest["layers"]);
        Assert.Equal(1, (int?)manifest["heads"]);
        Assert.Equal(6, (int?)manifest["feedForward"]);
        Assert.Equal(2, (int?)manifest["outputDim"]);
        Assert.True((bool?)manifest["normFirst"]);
        Assert.True((bool?)manifest["finalNorm"]);
        Assert.Equal("learned", (string?)manifest["positions"]);
        Assert.Equal(5, (int?)manifest["maxLength"]);
        Assert.Equal("shared", (string?)manifest["itemTower"]);
    }

    [Fact]
    public void Load_ManifestWithoutVersion_UsesAStableHashOfTheWeights()
    {
        var folder = Saved("noversion");
        EditManifest(folder, m => m.Remove("version"));

        var a = PreferenceModel.Load(folder);
        var b = PreferenceModel.Load(folder);

        Assert.StartsWith("sha256:", a.Version, StringComparison.Ordinal);
        Assert.Equal(a.Version, b.Version);
    }

    [Fact]
    public void Load_TruncatedWeights_SaysTruncated()
    {
        var folder = Saved("truncated");
        var path = Path.Combine(folder, PreferenceModel.WeightsFileName);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length - 10)]);

        var error = Assert.Throws<ModelFormatException>(() => PreferenceModel.Load(folder));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FileShorterThanItsHeaderLength_SaysSo()
    {
        var folder = Saved("tiny-file");
        File.WriteAllBytes(Path.Combine(folder, PreferenceModel.WeightsFileName), [1, 2, 3]);

        var error = Assert.Throws<ModelFormatException>(() => PreferenceModel.Load(folder));

        Assert.Contains("shorter than the 8-byte header length", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_WrongShape_NamesTheTensorAndBothShapes()
    {
        var folder = Saved("shape");
        RewriteWeights(folder, tensors =>
        {
            var index = tensors.FindIndex(t => t.Name == "adaptor.weight");
            tensors[index] = tensors[index] with { Shape = [3, 4] };
        });

        var error = Assert.Throws<ModelFormatException>(() => PreferenceModel.Load(folder));

        Assert.Contains("'adaptor.weight' has shape [3, 4]; expected [4, 3]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingTensor_NamesIt()
    {
        var folder = Saved("missing");
        RewriteWeights(folder, tensors => tensors.RemoveAll(t => t.Name == "layers.0.norm2.bias"));

        var error = Assert.Throws<ModelFormatException>(() => PreferenceModel.Load(folder));

        Assert.Contains("missing tensor 'layers.0.norm2.bias'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ExtraTensor_NamesIt()
    {
        var folder = Saved("extra");
        RewriteWeights(folder, tensors => tensors.Add(new Float32Tensor("position.weight", [5, 4], new float[20])));

        var error = Assert.Throws<ModelFormatException>(() => PreferenceModel.Load(folder));

        Assert.Contains("unexpected tensor 'position.weight'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}""", 8, "not valid JSON")]
    [InlineData("""[1,2]""", 0, "does not start with '{'")]
    [InlineData("""{"a":{"dtype":"F17","shape":[2],"data_offsets":[0,8]}}""", 8, "unknown dtype 'F17'")]
    [InlineData("""{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8, "shape [3] of F32 (12 bytes) but data_offsets span 8 bytes")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12, "hole at bytes [0, 4)")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "overlaps")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 12, "data buffer is 12 bytes")]
    [InlineData("""{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", 8, "not a non-negative integer")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2]}}""", 8, "lacks one of")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8, "duplicate tensor name 'a'")]
    [InlineData("""{"__metadata__":{"k":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8, "'__metadata__.k' is not a string")]
    public void Parse_MalformedHeader_SaysWhatIsWrong(string header, int dataLength, string problem)
    {
        var headerBytes = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + headerBytes.Length + dataLength];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)headerBytes.Length);
        headerBytes.CopyTo(bytes, 8);

        var error = Assert.Throws<ModelFormatException>(() => SafeTensorsFile.Parse(bytes, "test.safetensors"));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("test.safetensors: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_WrittenFile_HasAlignedDataAndMetadata()
    {
        var bytes = SafeTensorsFile.Serialize([new Float32Tensor("w", [2, 3], new float[] { 1, 2, 3, 4, 5, 6 })], new Dictionary<string, string> { ["format"] = "pt" });

        var file = SafeTensorsFile.Parse(bytes);

        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes) % 8);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal([1f, 2f, 3f, 4f, 5f, 6f], file.ReadFloat32("w", [2, 3]));
    }

    [Fact]
    public void Load_ManifestOfAnotherFormat_IsRejected()
    {
        var folder = Saved("format");
        EditManifest(folder, m => m["format"] = "learn-pal/2");

        var error = Assert.Throws<ModelFormatException>(() => PreferenceModel.Load(folder));

        Assert.Contains("format is 'learn-pal/2'; expected 'learn-pal/1'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ManifestWithoutARequiredField_NamesIt()
    {
        var folder = Saved("field");
        EditManifest(folder, m => m.Remove("hidden"));

        var error = Assert.Throws<ModelFormatException>(() => PreferenceModel.Load(folder));

        Assert.Contains("'hidden'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_ManifestDisagreeingWithTheWeights_NamesTheTensor()
    {
        var folder = Saved("disagree");
        EditManifest(folder, m => m["feedForward"] = 8);

        var error = Assert.Throws<ModelFormatException>(() => PreferenceModel.Load(folder));

        Assert.Contains("'layers.0.linear1.weight' has shape [6, 4]; expected [8, 4]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FolderWithoutManifest_ThrowsFileNotFound()
    {
        var folder = Folder("empty");
        Directory.CreateDirectory(folder);

        Assert.Throws<FileNotFoundException>(() => PreferenceModel.Load(folder));
    }

    private static int[] Bits(float[] values) => Array.ConvertAll(values, BitConverter.SingleToInt32Bits);

    private string Folder(string name) => Path.Combine(_root, name);

    private string Saved(string name)
    {
        var folder = Folder(name);
        TestModels.Tiny(false, PositionEncoding.None).Save(folder);
        return folder;
    }

    private static void EditManifest(string folder, Action<JsonObject> edit)
    {
        var path = Path.Combine(folder, PreferenceModel.ManifestFileName);
        var manifest = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(manifest);
        File.WriteAllText(path, manifest.ToJsonString());
    }

    private static void RewriteWeights(string folder, Action<List<Float32Tensor>> edit)
    {
        var path = Path.Combine(folder, PreferenceModel.WeightsFileName);
        var file = SafeTensorsFile.Read(path);
        var tensors = new List<Float32Tensor>();
        foreach (var info in file.Tensors)
        {
            var shape = Array.ConvertAll([.. info.Shape], d => (int)d);
            tensors.Add(new Float32Tensor(info.Name, shape, file.ReadFloat32(info.Name)));
        }

        edit(tensors);
        SafeTensorsFile.Write(path, tensors);
    }
}

using System.Text.Json;

namespace Actors.Model.Tests;

public sealed class ArtifactKindTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("actors-kind-tests-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("learn-scientific", ArtifactKind.Learn, ItemTowerKind.Adaptor, "learn-scientific-1f4daa63afab512f")]
    [InlineData("learn-scientific-item-tower-c", ArtifactKind.Learn, ItemTowerKind.Content, "learn-scientific-a939bbeba4bf0a8e")]
    [InlineData("sasrec-scientific", ArtifactKind.SasRec, ItemTowerKind.Adaptor, "sasrec-scientific-7cc368a610c68ca5")]
    public void ShippedManifests_StateTheirKind_AndKeepTheirServedVersion(string folder, ArtifactKind kind, ItemTowerKind itemTower, string version)
    {
        var path = Path.Combine(Path.GetDirectoryName(TestModels.ShippedModelPath)!, folder);
        using var manifest = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(path, PreferenceModel.ManifestFileName)));

        Assert.Equal(ArtifactKinds.Name(kind), manifest.RootElement.GetProperty(ArtifactKinds.ManifestKey).GetString());
        var (read, config) = ArtifactKinds.ReadManifest(path);
        Assert.Equal(kind, read);
        Assert.Equal(itemTower, config.ItemTower);
        Assert.Equal(version, PreferenceModel.Load(path).Version);
    }

    [Theory]
    [InlineData("\"sasrec\"", null, ArtifactKind.SasRec)]
    [InlineData("\"learn\"", "\"sasrec\"", ArtifactKind.Learn)]
    [InlineData(null, "\"sasrec\"", ArtifactKind.SasRec)]
    [InlineData(null, "\"something else\"", ArtifactKind.Learn)]
    [InlineData(null, null, ArtifactKind.Learn)]
    public void Kind_IsTheKindField_ElseTheTrainersOlderModelField_ElseLearn(string? kind, string? legacy, ArtifactKind expected)
    {
        var folder = Save(kind, legacy);

        Assert.Equal(expected, ArtifactKinds.ReadManifest(folder).Kind);
        Assert.Equal(expected, ArtifactKinds.Of(PreferenceModel.Load(folder)));
    }

    [Theory]
    [InlineData("\"SASRec\"")]
    [InlineData("3")]
    public void UnknownKind_FailsAtLoad_NamingTheField(string kind)
    {
        var folder = Save(kind, null);

        var error = Assert.Throws<ModelFormatException>(() => PreferenceModel.Load(folder));
        Assert.Contains("'kind'", error.Message, StringComparison.Ordinal);
        Assert.Throws<ModelFormatException>(() => ArtifactKinds.ReadManifest(folder));
    }

    [Fact]
    public void ReadManifest_OfAFolderWithoutOne_SaysWhichFolder()
    {
        var error = Assert.Throws<FileNotFoundException>(() => ArtifactKinds.ReadManifest(_root));
        Assert.Contains(_root, error.Message, StringComparison.Ordinal);
    }

    private string Save(string? kind, string? legacy)
    {
        var metadata = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (kind is not null)
        {
            metadata[ArtifactKinds.ManifestKey] = JsonDocument.Parse(kind).RootElement.Clone();
        }

        if (legacy is not null)
        {
            metadata[ArtifactKinds.LegacyManifestKey] = JsonDocument.Parse(legacy).RootElement.Clone();
        }

        var folder = Path.Combine(_root, Guid.NewGuid().ToString("N"));
        var model = PreferenceModel.CreateRandom(TestModels.Small(false, PositionEncoding.None), 1);
        // WithMetadata does not parse the fields, so an unknown kind reaches the file and fails only when read back.
        model.WithMetadata(metadata).Save(folder);
        return folder;
    }
}

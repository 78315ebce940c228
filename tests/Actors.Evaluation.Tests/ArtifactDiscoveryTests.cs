using Actors.Model;

namespace Actors.Evaluation.Tests;

public sealed class ArtifactDiscoveryTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("actors-discovery-tests-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Siblings_AreFoundByTheirManifestsKind_NotByTheirWeights()
    {
        var model = Save("learn", ArtifactKind.Learn);
        // A SASRec artifact whose adaptor is not zero (the old guess missed it) and a LEARN one that says nothing else.
        Save("b-sasrec", ArtifactKind.SasRec);
        Save("a-other-learn", ArtifactKind.Learn);

        var found = ArtifactDiscovery.Discover(model, null, null, noBaselines: false);

        var sasRec = Assert.Single(found.Models, m => m.Kind == ScorerKind.SasRec);
        Assert.Equal(Path.Combine(_root, "b-sasrec"), sasRec.Path);
        Assert.True(sasRec.Found);
        Assert.Equal(ScorerKind.Learn, found.Learn!.Kind);
        Assert.Contains("item-tower-c", found.Skipped.Keys);
        Assert.DoesNotContain("sasrec", found.Skipped.Keys);
    }

    [Fact]
    public void ItemTowerContentSibling_IsALearnArtifactWithItemTowerContent()
    {
        var model = Save("learn", ArtifactKind.Learn);
        Save("a-sasrec-content", ArtifactKind.SasRec, ItemTowerKind.Content);
        Save("b-item-tower-c", ArtifactKind.Learn, ItemTowerKind.Content);

        var found = ArtifactDiscovery.Discover(model, null, null, noBaselines: false);

        Assert.Equal(Path.Combine(_root, "b-item-tower-c"), Assert.Single(found.Models, m => m.Kind == ScorerKind.ItemTowerContent).Path);
        Assert.Equal(Path.Combine(_root, "a-sasrec-content"), Assert.Single(found.Models, m => m.Kind == ScorerKind.SasRec).Path);
    }

    [Fact]
    public void SiblingWithAnUnreadableManifest_IsNotACandidate()
    {
        var model = Save("learn", ArtifactKind.Learn);
        var broken = Path.Combine(_root, "a-broken");
        Directory.CreateDirectory(broken);
        File.WriteAllText(Path.Combine(broken, PreferenceModel.ManifestFileName), "{ \"kind\": \"sasrec\", ");

        var found = ArtifactDiscovery.Discover(model, null, null, noBaselines: false);

        Assert.Single(found.Models);
        Assert.StartsWith("no --sasrec given", found.Skipped["sasrec"], StringComparison.Ordinal);
    }

    [Fact]
    public void GivenSasRec_OfAnotherKind_IsAnErrorNamingTheOption()
    {
        var model = Save("learn", ArtifactKind.Learn);
        var other = Save("other", ArtifactKind.Learn);

        var error = Assert.Throws<ArgumentException>(() => ArtifactDiscovery.Discover(model, null, other, noBaselines: false));

        Assert.StartsWith("--sasrec:", error.Message, StringComparison.Ordinal);
        Assert.Contains("kind 'learn'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GivenBaselineModel_WithASharedItemTower_IsAnErrorNamingTheOption()
    {
        var model = Save("learn", ArtifactKind.Learn);
        var shared = Save("shared", ArtifactKind.Learn, ItemTowerKind.Shared);

        var error = Assert.Throws<ArgumentException>(() => ArtifactDiscovery.Discover(model, shared, null, noBaselines: false));

        Assert.StartsWith("--baseline-model:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoBaselines_LoadsTheModelAlone_AndNoModel_IsSkippedWithTheReason()
    {
        var model = Save("learn", ArtifactKind.Learn);
        Save("sasrec", ArtifactKind.SasRec);

        Assert.Single(ArtifactDiscovery.Discover(model, null, null, noBaselines: true).Models);
        var none = ArtifactDiscovery.Discover(null, null, null, noBaselines: false);
        Assert.Empty(none.Models);
        Assert.Equal("no --model given", none.Skipped["learn"]);
    }

    private string Save(string name, ArtifactKind kind, ItemTowerKind itemTower = ItemTowerKind.Adaptor) =>
        TestArtifacts.Save(Path.Combine(_root, name), kind, itemTower: itemTower, seed: name.Length);
}

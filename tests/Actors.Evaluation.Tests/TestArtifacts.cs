using System.Text.Json;
using Actors.Model;

namespace Actors.Evaluation.Tests;

/// <summary>Small random artifacts saved with a stated manifest <c>kind</c>, for discovery and run tests.</summary>
internal static class TestArtifacts
{
    public static string Save(string folder, ArtifactKind kind, int contentDimension = 12, ItemTowerKind itemTower = ItemTowerKind.Adaptor, int seed = 5)
    {
        var config = new PreferenceModelConfig
        {
            ContentDimension = contentDimension,
            Hidden = 8,
            Layers = 1,
            Heads = 1,
            FeedForward = 16,
            // Item tower (c) scores with the content embedding itself, so its output is content-sized.
            OutputDimension = itemTower == ItemTowerKind.Content ? contentDimension : 8,
            MaxLength = 10,
            ItemTower = itemTower,
        };
        PreferenceModel.CreateRandom(config, seed)
            .WithMetadata(new Dictionary<string, JsonElement> { [ArtifactKinds.ManifestKey] = JsonSerializer.SerializeToElement(ArtifactKinds.Name(kind)) })
            .Save(folder);
        return folder;
    }
}

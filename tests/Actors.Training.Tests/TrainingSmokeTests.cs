using Actors.Dataset;
using Actors.Model;

namespace Actors.Training.Tests;

/// <summary>A tiny end-to-end run: the loss must fall, and the artifact must load in the serving library.</summary>
public sealed class TrainingSmokeTests
{
    [Theory]
    [InlineData("learn", false)]
    [InlineData("learn", true)]
    [InlineData("sasrec", false)]
    public void TinyRun_LossFalls_AndArtifactLoads(string model, bool itemIds)
    {
        var data = SyntheticData(items: 30, users: 240, seed: 5);
        var options = new TrainingOptions
        {
            Dataset = "unused",
            Output = "unused",
            Model = model == "sasrec" ? ModelKind.SasRec : ModelKind.Learn,
            ItemIds = itemIds,
            Hidden = 16,
            Layers = 1,
            Heads = 2,
            OutputDimension = 8,
            MaxLength = 10,
            BatchSize = 32,
            Epochs = 15,
            Patience = 100,
            LearningRate = 1e-2,
            Dropout = 0.0,
            Negatives = NegativeKind.All,
            Threads = 1,
        };
        var result = new Trainer(options).Train(data);

        Assert.Equal(15, result.Epochs.Count);
        Assert.True(result.Epochs[^1].Loss < 0.8 * result.Epochs[0].Loss, $"Loss did not fall: {result.Epochs[0].Loss} → {result.Epochs[^1].Loss}.");

        var directory = Path.Combine(Path.GetTempPath(), $"smoke-{Guid.NewGuid():N}");
        try
        {
            result.Model.Save(directory);
            var loaded = PreferenceModel.Load(directory);
            Assert.Equal(result.Model.Version, loaded.Version);
            Assert.Equal(data.Encoder, loaded.Metadata["encoder"].GetString());
            // The manifest says what kind of model it is: the evaluator finds baselines by it, never by the weights.
            Assert.Equal(model, loaded.Metadata[ArtifactKinds.ManifestKey].GetString());
            Assert.Equal(options.Model == ModelKind.SasRec ? ArtifactKind.SasRec : ArtifactKind.Learn, ArtifactKinds.ReadManifest(directory).Kind);
            Assert.True(loaded.Metadata["metrics"].GetProperty("N@10").GetDouble() > 0);
            Assert.Equal(options.UsesItemIds ? data.ItemIds.Count : 0, loaded.ItemIds.Count);

            // The pattern (item i is followed by item i + 1) is learnable: the next item should rank high.
            var user = loaded.UserEmbedding([data.Content[3], data.Content[4]], [data.ItemIds[3], data.ItemIds[4]]);
            var scores = Enumerable.Range(0, data.Content.Length)
                .Select(i => Dot(user, loaded.ItemEmbedding(data.Content[i], data.ItemIds[i])))
                .ToArray();
            var rank = 1 + scores.Count(s => s >= scores[5]) - 1;
            Assert.InRange(rank, 1, 5);

            // The plots of the run: one loss per step, one validation point per epoch.
            Assert.True(result.StepLosses.Count >= result.Epochs.Count, "Every epoch has at least one step.");
            foreach (var plot in TrainingPlots.Write(result.StepLosses, result.Epochs, Path.Combine(directory, "plots")))
            {
                var bytes = File.ReadAllBytes(plot);
                Assert.True(bytes.Length > 5_000 && bytes[1] == (byte)'P' && bytes[2] == (byte)'N' && bytes[3] == (byte)'G', $"{plot} is not a PNG plot.");
            }
        }
        finally
        {
            if (Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>Users walk the catalog in steps of one (with a little noise); validation = the next step.</summary>
    internal static TrainingData SyntheticData(int items, int users, int seed)
    {
        var random = new Random(seed);
        var content = new float[items][];
        for (var i = 0; i < items; i++)
        {
            content[i] = [.. Enumerable.Range(0, 16).Select(_ => (2 * random.NextSingle()) - 1)];
        }

        var sequences = new int[users][];
        var valid = new List<Interaction>();
        for (var u = 0; u < users; u++)
        {
            var length = random.Next(4, 9);
            var start = random.Next(items);
            var walk = Enumerable.Range(0, length + 1).Select(k => (start + k) % items).ToArray();
            sequences[u] = walk[..^1];
            valid.Add(new Interaction(u, walk[..^1], walk[^1]));
        }

        var ids = Enumerable.Range(0, items).Select(i => $"i{i}").ToArray();
        return new TrainingData("Synthetic", ids, content, sequences, valid, "0000", "synthetic-encoder");
    }

    private static float Dot(float[] a, float[] b)
    {
        var sum = 0f;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}

using Actors.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Actors.Training.Tests;

/// <summary>The TorchSharp module the trainer fits and the plain C# serving model must compute the same towers.</summary>
public sealed class ParityTests
{
    private const int Items = 40;
    private const int ContentDimension = 12;

    public static TheoryData<bool, PositionEncoding, int, ItemTowerKind, bool> Architectures => new()
    {
        { false, PositionEncoding.None, 0, ItemTowerKind.Shared, false },
        { true, PositionEncoding.Learned, 0, ItemTowerKind.Shared, false },
        { false, PositionEncoding.Learned, Items, ItemTowerKind.Shared, false },
        { true, PositionEncoding.None, Items, ItemTowerKind.Shared, false },
        { false, PositionEncoding.Learned, Items, ItemTowerKind.Adaptor, true },
        { true, PositionEncoding.None, 0, ItemTowerKind.Adaptor, false },
    };

    [Theory]
    [MemberData(nameof(Architectures))]
    public void ArtifactWrittenByTrainer_MatchesTorchSharpForward(bool normFirst, PositionEncoding positions, int idEmbeddings, ItemTowerKind itemTower, bool inputNorm)
    {
        torch.manual_seed(7);
        var config = new PreferenceModelConfig
        {
            ContentDimension = ContentDimension,
            Hidden = 16,
            Layers = 2,
            Heads = 4,
            FeedForward = 24,
            OutputDimension = 8,
            NormFirst = normFirst,
            FinalNorm = normFirst,
            Positions = positions,
            MaxLength = 9,
            IdEmbeddings = idEmbeddings,
            ItemTower = itemTower,
            InputNorm = inputNorm,
        };
        using var network = new PalNetwork(config, dropout: 0.3, contentInput: true);
        Perturb(network);
        network.eval();

        var random = new Random(11);
        var contentRows = new float[Items][];
        for (var i = 0; i < Items; i++)
        {
            contentRows[i] = [.. Enumerable.Range(0, ContentDimension).Select(_ => (2 * random.NextSingle()) - 1)];
        }

        var itemIds = Enumerable.Range(0, Items).Select(i => $"item-{i}").ToArray();
        var histories = Enumerable.Range(0, 12)
            .Select(_ => Enumerable.Range(0, random.Next(1, config.MaxLength + 1)).Select(_ => random.Next(Items)).ToArray())
            .ToArray();

        float[][] torchUsers;
        float[][] torchItems;
        using (no_grad())
        using (var content = Trainer.ContentTensor(contentRows))
        {
            var adapted = network.AdaptItems(content);
            using var users = TrainingValidation.UserEmbeddings(network, adapted, histories, Items, config);
            torchUsers = Rows(users);
            using var items = network.Candidates(adapted.narrow(0, 0, Items));
            torchItems = Rows(items);
        }

        var directory = Path.Combine(Path.GetTempPath(), $"parity-{Guid.NewGuid():N}");
        try
        {
            var tensors = ArtifactExport.ExportTensors(config, network.state_dict());
            PreferenceModel.FromTensors(config, tensors, idEmbeddings > 0 ? itemIds : null, "parity", null).Save(directory);
            var model = PreferenceModel.Load(directory);

            var maxDifference = 0.0;
            for (var u = 0; u < histories.Length; u++)
            {
                var history = histories[u].Select(i => contentRows[i]).ToList();
                var ids = histories[u].Select(i => (string?)itemIds[i]).ToList();
                maxDifference = Math.Max(maxDifference, MaxAbsDifference(torchUsers[u], model.UserEmbedding(history, ids)));

                // The incremental state must give the same embedding.
                var state = model.CreateUserState();
                foreach (var i in histories[u])
                {
                    state.Append(contentRows[i], itemIds[i]);
                }

                maxDifference = Math.Max(maxDifference, MaxAbsDifference(torchUsers[u], state.Embedding.ToArray()));
            }

            for (var i = 0; i < Items; i++)
            {
                maxDifference = Math.Max(maxDifference, MaxAbsDifference(torchItems[i], model.ItemEmbedding(contentRows[i], itemIds[i])));
            }

            Assert.InRange(maxDifference, 0, 1e-4);

            // Guard against a vacuous pass: the towers must not be constant.
            Assert.True(MaxAbsDifference(torchUsers[0], torchUsers[1]) > 1e-3, "User embeddings of different histories should differ.");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void ExportedTensors_AreExactlyTheContract()
    {
        var config = new PreferenceModelConfig
        {
            ContentDimension = 6, Hidden = 8, Layers = 3, Heads = 2, FeedForward = 10, OutputDimension = 4,
            NormFirst = true, FinalNorm = true, Positions = PositionEncoding.Learned, MaxLength = 5, IdEmbeddings = 7,
        };
        using var network = new PalNetwork(config, dropout: 0.1, contentInput: true);
        var names = network.state_dict().Keys.Order(StringComparer.Ordinal);
        Assert.Equal(config.TensorSpecs().Select(s => s.Name).Order(StringComparer.Ordinal), names);
    }

    private static void Perturb(PalNetwork network)
    {
        // Move every weight (LayerNorm ones included) off its initial value so the test exercises all of them.
        using var noGrad = no_grad();
        foreach (var parameter in network.parameters())
        {
            parameter.add_(randn_like(parameter) * 0.2);
        }
    }

    private static float[][] Rows(Tensor matrix)
    {
        var rows = (int)matrix.shape[0];
        var columns = (int)matrix.shape[1];
        var flat = matrix.contiguous().data<float>().ToArray();
        return [.. Enumerable.Range(0, rows).Select(r => flat.AsSpan(r * columns, columns).ToArray())];
    }

    private static double MaxAbsDifference(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        var max = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs(a[i] - b[i]));
        }

        return max;
    }
}

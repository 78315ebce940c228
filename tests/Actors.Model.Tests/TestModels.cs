using Actors.Tests.Infrastructure;

namespace Actors.Model.Tests;

internal static class TestModels
{
    /// <summary>The shipped LEARN artifact, <c>models/learn-scientific</c> in the repository.</summary>
    public static string ShippedModelPath { get; } = Path.Combine(RepositoryPaths.Root, "models", "learn-scientific");

    /// <summary>h = 4, one layer, one head, d_c = 3, d_out = 2, ff = 6; weights from a fixed formula.</summary>
    public static PreferenceModel Tiny(bool normFirst, PositionEncoding positions, bool finalNorm = false)
    {
        var config = new PreferenceModelConfig
        {
            ContentDimension = 3,
            Hidden = 4,
            Layers = 1,
            Heads = 1,
            FeedForward = 6,
            OutputDimension = 2,
            NormFirst = normFirst,
            FinalNorm = finalNorm,
            Positions = positions,
            MaxLength = 5,
        };
        var tensors = new Dictionary<string, float[]>();
        var salt = 0;
        foreach (var spec in config.TensorSpecs())
        {
            salt++;
            var values = new float[spec.ElementCount];
            var isNormWeight = spec.Name.Contains("norm", StringComparison.Ordinal) && spec.Name.EndsWith(".weight", StringComparison.Ordinal);
            for (var i = 0; i < values.Length; i++)
            {
                var wave = (float)Math.Sin((0.7 * i) + (1.9 * salt));
                values[i] = isNormWeight ? 1f + (0.2f * wave) : 0.6f * wave;
            }

            tensors[spec.Name] = values;
        }

        return PreferenceModel.FromTensors(config, tensors, "tiny");
    }

    public static PreferenceModelConfig Small(bool normFirst, PositionEncoding positions, int maxLength = 50) => new()
    {
        ContentDimension = 24,
        Hidden = 32,
        Layers = 2,
        Heads = 2,
        FeedForward = 64,
        OutputDimension = 16,
        NormFirst = normFirst,
        FinalNorm = normFirst,
        Positions = positions,
        MaxLength = maxLength,
    };

    public static float[][] RandomEvents(int count, int dimension, int seed)
    {
        var random = new Random(seed);
        var events = new float[count][];
        for (var i = 0; i < count; i++)
        {
            events[i] = new float[dimension];
            for (var k = 0; k < dimension; k++)
            {
                events[i][k] = (2f * random.NextSingle()) - 1f;
            }
        }

        return events;
    }

    /// <summary>A fresh user state with <paramref name="events"/> appended one by one, oldest first.</summary>
    public static UserTowerState AppendedOneByOne(PreferenceModel model, IEnumerable<float[]> events)
    {
        var state = model.CreateUserState();
        foreach (var item in events)
        {
            state.Append(item);
        }

        return state;
    }

    public static void AssertClose(ReadOnlySpan<double> expected, ReadOnlySpan<float> actual, double tolerance, string because)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(
                Math.Abs(expected[i] - actual[i]) <= tolerance,
                $"{because}: element {i} is {actual[i]}, expected {expected[i]} (tolerance {tolerance}).");
        }
    }

    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance, string because)
    {
        var widened = new double[expected.Length];
        for (var i = 0; i < expected.Length; i++)
        {
            widened[i] = expected[i];
        }

        AssertClose(widened, actual, tolerance, because);
    }
}

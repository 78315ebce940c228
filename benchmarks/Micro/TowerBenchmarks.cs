using Actors.Model;
using BenchmarkDotNet.Attributes;

namespace Actors.Benchmarks.Micro;

/// <summary>
/// One incremental user-tower step (<see cref="UserTowerState.Append(ReadOnlySpan{float})"/> of the 50th item onto a
/// window holding 49) against a full pass over the 50 items (<see cref="PreferenceModel.UserEmbedding(IReadOnlyList{float[]})"/>),
/// on the shipped model (<c>models/learn-scientific</c>: content 384, hidden 128, 2 layers, 2 heads, ff 512, output 64),
/// or seeded random weights of that shape when it is absent.
/// Each invocation works on <see cref="Users"/> independent states so one measurement lasts well above timer noise;
/// the states are refilled to 49 items before every iteration (so an iteration is one invocation: the benchmark runs
/// more iterations than the short job, and warms the JIT up in its setup). <see cref="BatchedAppend"/> steps the same
/// <see cref="Users"/> states as one <see cref="UserTowerBatch"/> pass (all figures are per user).
/// </summary>
[WarmupCount(10)]
[IterationCount(30)]
public class TowerBenchmarks
{
    private const int Users = 64;
    private const int History = 50;

    private PreferenceModel _model = null!;
    private float[][][] _histories = null!;
    private UserTowerState[] _states = null!;
    private float[][] _next = null!;
    private UserTowerBatch _batch = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = LoadShippedOrRandom();
        var contents = SyntheticVectors.Clustered(Users * History, _model.ContentDimension, seed: 3);
        _histories = new float[Users][][];
        for (var u = 0; u < Users; u++)
        {
            _histories[u] = contents.AsSpan(u * History, History).ToArray();
        }
        _states = new UserTowerState[Users];
        for (var u = 0; u < Users; u++)
        {
            _states[u] = _model.CreateUserState(History);
        }
        _next = [.. _histories.Select(h => h[History - 1])];
        _batch = new UserTowerBatch(_model);

        // An iteration here is one invocation (the states are refilled before each), so the short job's few warm-up
        // iterations would leave the batched path, called once per invocation, in tier-0 code: warm both paths until
        // the JIT has promoted them.
        var warm = System.Diagnostics.Stopwatch.StartNew();
        while (warm.ElapsedMilliseconds < 2000)
        {
            FillToFortyNine();
            IncrementalAppend();
            FillToFortyNine();
            BatchedAppend();
        }
    }

    /// <summary>The shipped model, or seeded random weights of its shape when the repository has none.</summary>
    private static PreferenceModel LoadShippedOrRandom()
    {
        var shipped = Path.Combine(RepositoryPaths.Root, "models", "learn-scientific");
        return File.Exists(Path.Combine(shipped, PreferenceModel.ManifestFileName))
            ? PreferenceModel.Load(shipped)
            : PreferenceModel.CreateRandom(
                new PreferenceModelConfig { Hidden = 128, FeedForward = 512, Positions = PositionEncoding.Learned, ItemTower = ItemTowerKind.Adaptor },
                seed: 1);
    }

    [IterationSetup(Targets = [nameof(IncrementalAppend), nameof(BatchedAppend)])]
    public void FillToFortyNine()
    {
        for (var u = 0; u < Users; u++)
        {
            _states[u].Rebuild(_histories[u][..(History - 1)]);
        }
    }

    [Benchmark(OperationsPerInvoke = Users)]
    public float IncrementalAppend()
    {
        var sum = 0f;
        for (var u = 0; u < Users; u++)
        {
            _states[u].Append(_histories[u][History - 1]);
            sum += _states[u].Embedding[0];
        }
        return sum;
    }

    [Benchmark(OperationsPerInvoke = Users)]
    public float BatchedAppend()
    {
        _batch.Append(_states, _next);
        var sum = 0f;
        for (var u = 0; u < Users; u++)
        {
            sum += _states[u].Embedding[0];
        }
        return sum;
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Users)]
    public float FullPass()
    {
        var sum = 0f;
        for (var u = 0; u < Users; u++)
        {
            sum += _model.UserEmbedding(_histories[u])[0];
        }
        return sum;
    }
}

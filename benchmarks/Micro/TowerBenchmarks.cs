using Actors.Model;
using BenchmarkDotNet.Attributes;

namespace Actors.Benchmarks.Micro;

/// <summary>
/// One incremental user-tower step (<see cref="UserTowerState.Append(ReadOnlySpan{float})"/> of the 50th item onto a
/// window holding 49) against a full pass over the 50 items (<see cref="PreferenceModel.UserEmbedding(IReadOnlyList{float[]})"/>),
/// for the shipped LEARN shape (content 384, hidden 64, 2 layers, 2 heads, output 64) with seeded random weights.
/// Each invocation works on <see cref="Users"/> independent states so one measurement lasts well above timer noise;
/// the states are refilled to 49 items before every iteration.
/// </summary>
public class TowerBenchmarks
{
    private const int Users = 64;
    private const int History = 50;

    private PreferenceModel _model = null!;
    private float[][][] _histories = null!;
    private UserTowerState[] _states = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = PreferenceModel.CreateRandom(new PreferenceModelConfig(), seed: 1);
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
    }

    [IterationSetup(Target = nameof(IncrementalAppend))]
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

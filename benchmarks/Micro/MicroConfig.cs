using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Perfolizer.Horology;

namespace Actors.Benchmarks.Micro;

/// <summary>
/// The micro suite's configuration: a short job (1 launch, 3 warm-ups, 5 iterations of ≈ 250 ms) so the whole suite
/// finishes in a few minutes, run in-process (the native ONNX Runtime and USearch libraries are already beside the
/// binary), with allocations reported. Artifacts go to <c>benchmarks/artifacts</c> (ignored by git).
/// </summary>
public sealed class MicroConfig : ManualConfig
{
    public MicroConfig()
    {
        Add(DefaultConfig.Instance);
        AddJob(Job.Default
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(5)
            .WithIterationTime(TimeInterval.FromMilliseconds(250))
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithId("Short"));
        AddDiagnoser(MemoryDiagnoser.Default);
        ArtifactsPath = Path.Combine(RepositoryPaths.Root, "benchmarks", "artifacts");
    }
}

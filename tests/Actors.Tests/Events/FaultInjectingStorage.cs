using Orleans.Storage;

namespace Actors.Tests.Events;

/// <summary>
/// What the <see cref="FaultInjectingStorage"/> of every silo of a test cluster does: writes of the grain <see cref="Target"/>
/// names can be held until released and then failed, as a storage outage would.
/// </summary>
public sealed class StorageFaults
{
    private readonly object _gate = new();
    private TaskCompletionSource _writeStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource? _release;

    /// <summary>The grain whose writes fail while <see cref="FailWrites"/> is set.</summary>
    public GrainId? Target { get; set; }

    /// <summary>Whether writes of <see cref="Target"/> fail.</summary>
    public bool FailWrites { get; set; }

    /// <summary>Completes when a failing write of <see cref="Target"/> has started (and is held until <see cref="Release"/>).</summary>
    public Task WriteStarted
    {
        get
        {
            lock (_gate)
            {
                return _writeStarted.Task;
            }
        }
    }

    /// <summary>Holds the next failing write until <see cref="Release"/>.</summary>
    public void HoldNextFailure()
    {
        lock (_gate)
        {
            _writeStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Lets the held write go on (to fail).</summary>
    public void Release()
    {
        lock (_gate)
        {
            _release?.TrySetResult();
            _release = null;
        }
    }

    /// <summary>Writes that failed so far.</summary>
    public int FailedWrites => Volatile.Read(ref _failed);

    private int _failed;

    /// <summary>Fails the write when it is one of <see cref="Target"/>'s while <see cref="FailWrites"/> is set.</summary>
    internal async Task BeforeWriteAsync(string stateName, GrainId grainId)
    {
        if (FailWrites && grainId == Target)
        {
            Task held;
            lock (_gate)
            {
                _writeStarted.TrySetResult();
                held = _release?.Task ?? Task.CompletedTask;
            }
            await held;
            Interlocked.Increment(ref _failed);
            throw new IOException($"Injected storage failure writing {stateName} of {grainId}.");
        }
    }
}

/// <summary>
/// A fault injector in front of a real grain storage provider (not a stand-in for one): writes fail as
/// <see cref="StorageFaults"/> says; everything else passes through unchanged.
/// </summary>
public sealed class FaultInjectingStorage(IGrainStorage inner, StorageFaults faults) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>Nothing to start: the provider behind it is registered under a name of its own and takes part itself.</summary>
    public void Participate(ISiloLifecycle observer)
    {
    }

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        await faults.BeforeWriteAsync(stateName, grainId);
        await inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);
}

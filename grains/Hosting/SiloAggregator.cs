using Microsoft.Extensions.Logging;

namespace Actors.Grains.Hosting;

/// <summary>
/// A silo-local buffer in front of grains that every event would otherwise call: grains on the silo add to it in
/// memory, and from the moment the silo is active until it stops, <see cref="FlushAsync"/> runs every
/// <see cref="Interval"/> (and once more while the silo stops) to send what accumulated, a few calls per interval
/// whatever the event rate. A failed flush is logged and the loop goes on; what a flush loses is the subclass's to say.
/// Flushes never overlap: one asked for while another runs waits for it, so a flush that returns has sent everything
/// recorded before it was called, and what it read back is never overwritten by an older read.
/// </summary>
internal abstract partial class SiloAggregator(TimeProvider time, ILogger logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private Task? _loop;

    /// <summary>The clock the interval runs on.</summary>
    protected TimeProvider Time { get; } = time;

    /// <summary>How often <see cref="FlushAsync"/> runs.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>Sends what accumulated since the last flush, after any flush already running (tests call it directly).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await _flushing.WaitAsync(cancellationToken);
        try
        {
            await FlushCoreAsync(cancellationToken);
        }
        finally
        {
            _flushing.Release();
        }
    }

    /// <summary>Sends what accumulated since the last flush; never called while another call runs.</summary>
    protected abstract Task FlushCoreAsync(CancellationToken cancellationToken);

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(GetType().Name, ServiceLifecycleStage.Active, StartAsync, StopAsync);

    public void Dispose()
    {
        _stopping.Dispose();
        _flushing.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>Runs once the silo is active, beside the flush loop (a failure is logged; the next silo start tries again).</summary>
    protected virtual Task OnActiveAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = RunAsync(_stopping.Token);
        _ = RunOnActiveAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    private async Task RunOnActiveAsync(CancellationToken stopping)
    {
        try
        {
            await OnActiveAsync(stopping);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogOnActiveFailed(GetType().Name, ex.GetBaseException().Message);
        }
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }
        try
        {
            // The last interval's, while the cluster still answers.
            await FlushAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogFlushFailed(GetType().Name, ex.GetBaseException().Message);
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(Interval, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                try
                {
                    await FlushAsync(stopping);
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
                {
                    LogFlushFailed(GetType().Name, ex.GetBaseException().Message);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Aggregator} flush failed: {Error}")]
    private partial void LogFlushFailed(string aggregator, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Aggregator} start-up work failed: {Error}")]
    private partial void LogOnActiveFailed(string aggregator, string error);
}

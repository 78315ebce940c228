using Actors.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Actors.Grains.Experiments;

/// <summary>
/// The durable counts of one experiment (key: its name), per arm version, fed about once a second by every silo's
/// <see cref="SiloExperimentMetrics"/>. Written to storage every <see cref="ExperimentOptions.SaveInterval"/> when
/// changed, and on deactivation. A crash of its silo loses at most the counts of the last save interval (plus, on each
/// silo that dies, its own unsent interval), never an assignment: which arm a user is in is a hash of the user id and the
/// experiment name (<see cref="ExperimentAssignment"/>), stored nowhere.
/// </summary>
internal sealed partial class ExperimentMetricsGrain(
    [PersistentState("experiment-metrics", StorageNames.Actors)] IPersistentState<ExperimentMetricsState> state,
    IOptions<ExperimentOptions> options,
    ILogger<ExperimentMetricsGrain> logger) : Grain, IExperimentMetricsGrain
{
    private bool _dirty;

    private string Experiment => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var interval = options.Value.SaveInterval;
        this.RegisterGrainTimer(SaveIfDirtyAsync, interval, interval);
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        try
        {
            await SaveIfDirtyAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Typically storage already gone while the silo shuts down.
            LogSaveOnDeactivationFailed(Experiment, reason.ReasonCode.ToString(), ex.GetBaseException().Message);
        }
    }

    public Task AddAsync(ArmCounts[] deltas)
    {
        ArgumentNullException.ThrowIfNull(deltas);
        var arms = state.State.Arms;
        var dropped = 0;
        foreach (var delta in deltas)
        {
            if (delta is null || !delta.IsValid)
            {
                dropped++;
                continue;
            }
            // Entries are replaced, never changed in place: a GetAsync interleaved with a save reads whole records.
            arms[delta.Version] = arms.TryGetValue(delta.Version, out var total) ? total.Plus(delta) : delta;
            _dirty = true;
        }
        if (dropped > 0)
        {
            LogInvalidDeltas(Experiment, dropped);
        }
        return Task.CompletedTask;
    }

    public Task<ArmCounts[]> GetAsync()
    {
        var result = state.State.Arms.Values.ToArray();
        Array.Sort(result, static (a, b) => string.CompareOrdinal(a.Version, b.Version));
        return Task.FromResult(result);
    }

    private async Task SaveIfDirtyAsync(CancellationToken cancellationToken)
    {
        if (!_dirty)
        {
            return;
        }
        // Timer ticks do not interleave with AddAsync, so the counts do not change while they are written.
        _dirty = false;
        try
        {
            await state.WriteStateAsync(cancellationToken);
        }
        catch
        {
            _dirty = true;
            throw;
        }
    }
}

/// <summary>The persisted counts of an experiment (<see cref="ExperimentMetricsGrain"/>), by arm version.</summary>
[GenerateSerializer, Alias("Actors.ExperimentMetricsState")]
internal sealed class ExperimentMetricsState
{
    [Id(0)] public Dictionary<string, ArmCounts> Arms { get; set; } = new(StringComparer.Ordinal);
}

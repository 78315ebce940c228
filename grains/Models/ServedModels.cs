using System.Collections.Concurrent;
using Actors.Grains.Experiments;
using Actors.Grains.Model;
using Actors.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Actors.Grains.Models;

/// <summary>
/// This silo's view of the model registry (one singleton per silo): the routing (which version serves, which indexes
/// are live, the experiment), read from <see cref="IModelRegistryGrain"/> every <see cref="ModelOptions.RoutingRefresh"/>,
/// and the loaded model of every slot asked for. Slot 0 is always this silo's configured model (<c>Model:Path</c>), so a
/// cluster that never uploads a model behaves as before, and a registry that cannot be reached leaves the silo serving it.
/// Thread-safe.
/// </summary>
internal sealed partial class ServedModels(
    ServingModel configured,
    IGrainFactory grains,
    SiloExperimentMetrics experimentMetrics,
    IOptions<ModelOptions> options,
    ILogger<ServedModels> logger) : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<ServingModel>>> _loaded = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private volatile ModelRouting? _routing;
    private long _refreshedAt;
    private Task? _loop;

    /// <summary>The model this silo is configured with: slot 0.</summary>
    public ServingModel Configured => configured;

    /// <summary>The routing as last read (before the first read: slot 0 serves and is the only live slot).</summary>
    public ModelRouting Routing => _routing ?? Initial;

    private ModelRouting Initial => new(0, new ModelSlot(0, configured.Version), [new ModelSlot(0, configured.Version)], null);

    /// <summary>
    /// The routing, read again first when the last read is older than a few refresh periods (the registry was not
    /// reachable, or this silo just started): item writes use it, so that a new index never misses an upsert.
    /// </summary>
    public async ValueTask<ModelRouting> CurrentAsync()
    {
        if (_routing is null || Environment.TickCount64 - Interlocked.Read(ref _refreshedAt) > 3 * options.Value.RoutingRefresh.TotalMilliseconds)
        {
            await RefreshAsync();
        }
        return Routing;
    }

    /// <summary>
    /// The slot <paramref name="userId"/> is served from now, and the experiment that decided it (null outside one): the
    /// user's arm while an experiment runs, else the serving version.
    /// </summary>
    public (ModelSlot Slot, string? Experiment) Route(string userId)
    {
        var routing = Routing;
        if (routing.Experiment is { } experiment)
        {
            var arm = ExperimentAssignment.ArmOf(experiment.Name, userId, experiment.Shares);
            return (Local(experiment.Arms[arm]), experiment.Name);
        }
        return (Local(routing.Serving), null);
    }

    /// <summary>The slot of <paramref name="version"/> among the live ones, or null.</summary>
    public ModelSlot? SlotOf(string version)
    {
        if (version == configured.Version)
        {
            return new ModelSlot(0, version);
        }
        return Routing.Live.FirstOrDefault(s => s.Version == version && s.Slot != 0);
    }

    /// <summary>The model of <paramref name="slot"/>: the configured one for slot 0, else the uploaded artifact, loaded once.</summary>
    public Task<ServingModel> GetAsync(ModelSlot slot)
    {
        ArgumentNullException.ThrowIfNull(slot);
        return slot.Slot == 0 ? Task.FromResult(configured) : GetAsync(slot.Version);
    }

    /// <summary>The model of slot <paramref name="slot"/>, asking the registry which version it is when the routing does not say.</summary>
    public async Task<ServingModel> GetForSlotAsync(int slot)
    {
        if (slot == 0)
        {
            return configured;
        }
        var version = Routing.Live.FirstOrDefault(s => s.Slot == slot)?.Version
            ?? await grains.GetGrain<IModelRegistryMaintenance>(0).VersionOfSlotAsync(slot)
            ?? throw new InvalidOperationException($"Model slot {slot} was never assigned.");
        return await GetAsync(version);
    }

    /// <summary>The uploaded model <paramref name="version"/>, unpacked into the artifact cache and loaded once per silo.</summary>
    public Task<ServingModel> GetAsync(string version)
    {
        ArgumentException.ThrowIfNullOrEmpty(version);
        if (version == configured.Version)
        {
            return Task.FromResult(configured);
        }
        var lazy = _loaded.GetOrAdd(version, v => new Lazy<Task<ServingModel>>(() => LoadAsync(v)));
        var task = lazy.Value;
        if (task.IsFaulted)
        {
            // A failed load (the registry unreachable for a moment) is tried again next time.
            _loaded.TryRemove(new KeyValuePair<string, Lazy<Task<ServingModel>>>(version, lazy));
        }
        return task;
    }

    /// <summary>Reads the routing from the registry now.</summary>
    public async Task RefreshAsync()
    {
        await _refreshing.WaitAsync();
        try
        {
            var routing = await grains.GetGrain<IModelRegistryGrain>(0).GetRoutingAsync();
            var previous = _routing;
            _routing = routing;
            ModelInstruments.Routing = routing;
            Interlocked.Exchange(ref _refreshedAt, Environment.TickCount64);
            if (previous is null || previous.Epoch != routing.Epoch)
            {
                // The silo's /metrics show the running experiment's cluster-wide figures.
                experimentMetrics.Watch(routing.Experiment?.Name);
            }
        }
        finally
        {
            _refreshing.Release();
        }
    }

    public void Participate(ISiloLifecycle lifecycle)
    {
        ModelInstruments.Register();
        lifecycle.Subscribe(nameof(ServedModels), ServiceLifecycleStage.Active, Start, StopAsync);
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _refreshing.Dispose();
        foreach (var lazy in _loaded.Values)
        {
            if (lazy.IsValueCreated && lazy.Value.IsCompletedSuccessfully)
            {
                lazy.Value.Result.Dispose();
            }
        }
    }

    /// <summary>Slot 0 always means this silo's configured model, whatever version string the registry's silo has for it.</summary>
    private ModelSlot Local(ModelSlot slot) => slot.Slot == 0 ? new ModelSlot(0, configured.Version) : slot;

    private async Task<ServingModel> LoadAsync(string version)
    {
        var artifact = await grains.GetGrain<IModelArtifactGrain>(version).GetAsync()
            ?? throw new InvalidOperationException($"No artifact is stored for model version '{version}'.");
        var folder = ModelArtifactFiles.Unpack(artifact, version, options.Value.ArtifactCache);
        var model = ServingModel.From(PreferenceModel.Load(folder));
        LogLoaded(version, folder);
        return model;
    }

    private Task Start(CancellationToken cancellationToken)
    {
        _loop = RunAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    private async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(options.Value.RoutingRefresh);
        try
        {
            do
            {
                try
                {
                    await RefreshAsync();
                }
                catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
                {
                    LogRefreshFailed(ex.GetBaseException().Message);
                }
            }
            while (await timer.WaitForNextTickAsync(stopping));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded model version {Version} from {Folder}")]
    private partial void LogLoaded(string version, string folder);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the model routing failed (serving by the last one read): {Error}")]
    private partial void LogRefreshFailed(string error);
}

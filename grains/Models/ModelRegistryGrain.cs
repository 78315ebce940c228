using System.Text.Json;
using Actors.Encoder;
using Actors.Grains.Experiments;
using Actors.Grains.Hosting;
using Actors.Grains.Index;
using Actors.Grains.Model;
using Actors.Model;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Actors.Grains.Models;

/// <summary>
/// The model registry (key 0): validates and stores uploaded artifacts, drives the building of a version's index, and
/// decides what the silos route by (<see cref="ModelRouting"/>). A version's index is a slot of index shards of its own
/// (<see cref="ShardKeys"/>); building it means each shard copies the item ids of slot 0 and loads those items from
/// their stored records through the version's item tower (<see cref="IIndexShardMaintenance.BuildAsync"/>), while
/// item upserts already reach it (it is live from the start). The switch to a new version happens once every shard of
/// its slot is complete, so no query of the new version ever meets a half-built index, and each query searches the
/// shards of its own version only. The previous serving version's index is kept live for an instant rollback; an index
/// no longer needed is dropped. Keep-alive: the build and the drops are driven by its timer.
/// </summary>
[KeepAlive]
internal sealed partial class ModelRegistryGrain(
    [PersistentState("model-registry", StorageNames.Actors)] IPersistentState<ModelRegistryState> state,
    ServedModels models,
    TextEncoder encoder,
    IOptions<IndexOptions> indexOptions,
    IOptions<ModelOptions> modelOptions,
    IOptions<ExperimentOptions> experimentOptions,
    ILogger<ModelRegistryGrain> logger) : Grain, IModelRegistryGrain, IModelRegistryMaintenance
{
    private const int MaxNameLength = 64;

    // Learned item ids looked up in the catalog when an upload is checked.
    private const int CatalogProbe = 64;

    private ModelRegistryState S => state.State;

    private string ConfiguredVersion => models.Configured.Version;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(TickAsync, modelOptions.Value.BuildPoll, modelOptions.Value.BuildPoll);
        return Task.CompletedTask;
    }

    public async Task<ModelRegistryView> ListAsync()
    {
        var versions = new List<ModelVersionInfo> { ConfiguredInfo() };
        versions.AddRange(S.Versions.Select(Info));
        return new ModelRegistryView(
            Public(S.Serving),
            S.Previous is null ? null : Public(S.Previous),
            S.Activating,
            [.. versions],
            S.Experiment is null ? null : await ExperimentViewAsync(S.Experiment));
    }

    public Task<ModelRouting> GetRoutingAsync() => Task.FromResult(Routing());

    public Task<string?> VersionOfSlotAsync(int slot) =>
        Task.FromResult(slot == 0 ? ConfiguredVersion : S.SlotVersions.GetValueOrDefault(slot));

    public async Task<ModelVersionInfo> UploadAsync(ModelUpload upload, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(upload);
        var (model, kind) = await ValidateAsync(upload);
        var hash = ModelArtifactFiles.Hash(upload);
        if (model.Version == ConfiguredVersion)
        {
            throw new InvalidOperationException($"Version '{model.Version}' is the model the silos are configured with (Model:Path); it is served without an upload.");
        }
        if (Find(model.Version) is { } known)
        {
            return known.Hash == hash ? Info(known)
                : throw new InvalidOperationException($"Version '{model.Version}' is stored already with other bytes; a changed artifact needs a version of its own.");
        }
        await GrainFactory.GetGrain<IModelArtifactGrain>(model.Version).StoreAsync(upload);
        var record = new ModelRecord
        {
            Version = model.Version,
            Kind = kind,
            Dimension = model.OutputDimension,
            UploadedAt = DateTimeOffset.UtcNow,
            Hash = hash,
        };
        S.Versions.Add(record);
        await state.WriteStateAsync(cancellationToken);
        LogUploaded(record.Version, kind, record.Dimension);
        return Info(record);
    }

    public async Task<ModelVersionInfo> ActivateAsync(string version)
    {
        var name = Known(version, nameof(version));
        if (name == S.Serving || (name == ModelRegistryState.Configured && S.Serving is null))
        {
            return InfoOf(name);
        }
        if (S.Activating is { } other)
        {
            throw new InvalidOperationException($"Version '{other}' is being activated; roll back (which cancels it) or wait until it serves.");
        }
        if (IsReady(name))
        {
            Switch(name);
            RetireUnused();
        }
        else
        {
            if (Find(name) is { } record && (record.Slot == 0 || record.Ready))
            {
                StartBuild(record);
            }
            // Else its index is being built already (an experiment arm): the activation waits for that build.
            S.Activating = name;
            LogActivating(name);
        }
        S.Epoch++;
        await state.WriteStateAsync();
        return InfoOf(name);
    }

    public async Task<ModelRegistryView> RollbackAsync()
    {
        if (S.Activating is { } activating)
        {
            S.Activating = null;
            LogActivationCancelled(activating);
        }
        else if (S.Previous is { } previous)
        {
            if (!IsReady(previous))
            {
                throw new InvalidOperationException(
                    $"The previous version '{previous}' has no index partitioned over the {indexOptions.Value.Shards} shards configured now; activate it again, which rebuilds one.");
            }
            var serving = S.Serving ?? ModelRegistryState.Configured;
            S.Serving = previous == ModelRegistryState.Configured ? null : previous;
            S.Previous = serving;
            string from = Public(serving), to = Public(previous);
            LogRolledBack(from, to);
        }
        else
        {
            throw new InvalidOperationException("There is no previous version to roll back to and no activation to cancel.");
        }
        RetireUnused();
        S.Epoch++;
        await state.WriteStateAsync();
        return await ListAsync();
    }

    public async Task<ExperimentView> StartExperimentAsync(string name, ExperimentArm[] arms)
    {
        ValidateExperimentName(name);
        ArgumentNullException.ThrowIfNull(arms);
        if (arms.Length < 2)
        {
            throw new ArgumentException($"An experiment needs at least two arms; got {arms.Length}.", nameof(arms));
        }
        var resolved = new List<ExperimentArm>(arms.Length);
        for (var i = 0; i < arms.Length; i++)
        {
            if (arms[i] is null || !double.IsFinite(arms[i].Share) || arms[i].Share <= 0)
            {
                throw new ArgumentException($"arms[{i}].share must be a positive number.", nameof(arms));
            }
            var armVersion = Known(arms[i].Version, $"arms[{i}].version");
            if (resolved.Any(a => a.Version == armVersion))
            {
                throw new ArgumentException($"arms[{i}].version '{arms[i].Version}' is already an arm; each version is one arm.", nameof(arms));
            }
            resolved.Add(new ExperimentArm(armVersion, arms[i].Share));
        }
        var total = resolved.Sum(a => a.Share);
        if (Math.Abs(total - 1) > 1e-6)
        {
            throw new ArgumentException($"The arms' shares must sum to 1; they sum to {total}.", nameof(arms));
        }
        if (S.Experiment is { } running)
        {
            throw new InvalidOperationException($"Experiment '{running.Name}' is running; stop it first.");
        }
        foreach (var arm in resolved)
        {
            if (!IsReady(arm.Version) && Find(arm.Version) is { } record && (record.Slot == 0 || record.Ready))
            {
                StartBuild(record);
            }
        }
        S.Experiment = new ExperimentRecord { Name = name, Arms = resolved, StartedAt = DateTimeOffset.UtcNow };
        S.Epoch++;
        await state.WriteStateAsync();
        var described = string.Join(", ", resolved.Select(a => $"{Public(a.Version)}={a.Share}"));
        LogExperimentStarted(name, described);
        return await ExperimentViewAsync(S.Experiment);
    }

    public async Task<ModelRegistryView> StopExperimentAsync(string name, string? promote)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (S.Experiment is not { } experiment || experiment.Name != name)
        {
            throw new KeyNotFoundException($"No experiment '{name}' is running.");
        }
        if (promote is not null)
        {
            var winner = Known(promote, nameof(promote));
            if (experiment.Arms.All(a => a.Version != winner))
            {
                throw new ArgumentException($"'{promote}' is not an arm of experiment '{name}'.", nameof(promote));
            }
            if (!IsReady(winner))
            {
                throw new InvalidOperationException($"Arm '{promote}' has no complete index yet; it cannot serve.");
            }
            if (winner != (S.Serving ?? ModelRegistryState.Configured))
            {
                Switch(winner);
            }
        }
        S.Experiment = null;
        RetireUnused();
        S.Epoch++;
        await state.WriteStateAsync();
        LogExperimentStopped(name, promote is null ? "none" : promote);
        return await ListAsync();
    }

    /// <summary>
    /// The build loop: each building slot's shards are asked to seed (once <c>Model:BuildDelay</c> has passed) and how far
    /// they are; a complete index becomes ready, and switches over when it was being activated, or starts the experiment
    /// whose last arm it was. Slots retired are dropped shard by shard.
    /// </summary>
    private async Task TickAsync(CancellationToken cancellationToken)
    {
        var changed = false;
        foreach (var record in S.Versions.Where(v => v.Slot != 0 && !v.Ready).ToArray())
        {
            if (DateTimeOffset.UtcNow - record.BuildStartedAt < modelOptions.Value.BuildDelay)
            {
                continue;
            }
            var builds = await Task.WhenAll(Enumerable.Range(0, indexOptions.Value.Shards)
                .Select(n => GrainFactory.GetGrain<IIndexShardMaintenance>(ShardKeys.Of(record.Slot, n)).BuildAsync()));
            var indexed = builds.Sum(b => (long)b.Indexed);
            var total = indexed + builds.Sum(b => (long)b.Pending);
            changed |= indexed != record.ItemsIndexed || total != record.ItemsTotal;
            record.ItemsIndexed = indexed;
            record.ItemsTotal = total;
            if (builds.All(b => b.Complete))
            {
                record.Ready = true;
                changed = true;
                LogBuilt(record.Version, record.Slot, indexed);
                if (S.Activating == record.Version)
                {
                    S.Activating = null;
                    Switch(record.Version);
                }
                RetireUnused();
                S.Epoch++;
            }
        }
        if (S.Dropping.Count > 0)
        {
            foreach (var slot in S.Dropping.ToArray())
            {
                await Task.WhenAll(Enumerable.Range(0, indexOptions.Value.Shards)
                    .Select(n => GrainFactory.GetGrain<IIndexShardMaintenance>(ShardKeys.Of(slot, n)).DropAsync()));
                S.Dropping.Remove(slot);
                changed = true;
            }
        }
        if (changed)
        {
            await state.WriteStateAsync(cancellationToken);
        }
    }

    /// <summary>What the silos route by: the serving slot, every live slot, the experiment once all its arms are ready.</summary>
    private ModelRouting Routing()
    {
        var live = new List<ModelSlot> { new(0, ConfiguredVersion) };
        live.AddRange(S.Versions.Where(v => v.Slot != 0).Select(v => new ModelSlot(v.Slot, v.Version)));
        ExperimentRoute? experiment = null;
        if (S.Experiment is { } running && running.Arms.All(a => IsReady(a.Version)))
        {
            experiment = new ExperimentRoute(
                running.Name,
                [.. running.Arms.Select(a => SlotOf(a.Version))],
                [.. running.Arms.Select(a => a.Share)],
                experimentOptions.Value.HitWindow);
        }
        return new ModelRouting(S.Epoch, SlotOf(S.Serving ?? ModelRegistryState.Configured), [.. live], experiment,
            [ConfiguredInfo(), .. S.Versions.Select(Info)]);
    }

    /// <summary>Makes <paramref name="name"/> (ready) serve; the version serving until now becomes the rollback target.</summary>
    private void Switch(string name)
    {
        var serving = S.Serving ?? ModelRegistryState.Configured;
        S.Previous = serving;
        S.Serving = name == ModelRegistryState.Configured ? null : name;
        if (Find(name) is { } record)
        {
            record.ActivatedAt = DateTimeOffset.UtcNow;
        }
        string from = Public(serving), to = Public(name);
        LogSwitched(from, to);
    }

    private void StartBuild(ModelRecord record)
    {
        if (record.Slot != 0)
        {
            // An index built with another shard count: replaced by the new one.
            S.Dropping.Add(record.Slot);
        }
        record.Shards = indexOptions.Value.Shards;
        record.Slot = S.NextSlot++;
        record.Ready = false;
        record.EverBuilt = true;
        record.BuildStartedAt = DateTimeOffset.UtcNow;
        record.ItemsIndexed = 0;
        record.ItemsTotal = 0;
        S.SlotVersions[record.Slot] = record.Version;
    }

    /// <summary>
    /// Drops the index of every version no longer needed: needed are the serving one, the rollback target, the one
    /// being activated and the experiment's arms.
    /// </summary>
    private void RetireUnused()
    {
        var needed = new HashSet<string>(StringComparer.Ordinal) { S.Serving ?? ModelRegistryState.Configured };
        if (S.Previous is { } previous)
        {
            needed.Add(previous);
        }
        if (S.Activating is { } activating)
        {
            needed.Add(activating);
        }
        foreach (var arm in S.Experiment?.Arms ?? [])
        {
            needed.Add(arm.Version);
        }
        foreach (var record in S.Versions.Where(v => v.Slot != 0 && !needed.Contains(v.Version)))
        {
            LogRetired(record.Version, record.Slot);
            S.Dropping.Add(record.Slot);
            record.Slot = 0;
            record.Ready = false;
        }
    }

    private async Task<(PreferenceModel Model, string Kind)> ValidateAsync(ModelUpload upload)
    {
        if (upload.Manifest is not { Length: > 0 })
        {
            throw Invalid("The manifest is empty.", "manifest");
        }
        if (upload.Weights is not { Length: > 0 })
        {
            throw Invalid("The weights are empty.", "weights");
        }
        try
        {
            using var document = JsonDocument.Parse(upload.Manifest);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Invalid("The manifest is not a JSON object.", "manifest");
            }
        }
        catch (JsonException ex)
        {
            throw Invalid($"The manifest is not JSON: {ex.Message}", "manifest", ex);
        }
        var folder = Path.Combine(Path.GetTempPath(), "actors-model-uploads", Guid.NewGuid().ToString("N"));
        PreferenceModel model;
        try
        {
            model = PreferenceModel.Load(ModelArtifactFiles.Unpack(upload, "upload", folder));
        }
        catch (Exception ex) when (ex is ModelFormatException or JsonException or InvalidDataException or KeyNotFoundException or ArgumentException or FormatException)
        {
            var part = ex.Message.Contains(PreferenceModel.WeightsFileName, StringComparison.Ordinal) ? "weights" : "manifest";
            throw Invalid($"The artifact is not a valid model: {ex.Message.Replace(folder, "", StringComparison.Ordinal)}", part, ex);
        }
        finally
        {
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (IOException)
            {
            }
        }
        if (model.ContentDimension != encoder.Dimension)
        {
            throw Invalid(
                $"The model reads content embeddings of {model.ContentDimension} dimensions (manifest contentDim); this cluster's encoder makes {encoder.Dimension}.", "manifest");
        }
        if (model.Metadata.TryGetValue("encoder", out var trainedWith) && trainedWith.ValueKind == JsonValueKind.String
            && trainedWith.GetString() != encoder.ModelVersion)
        {
            throw Invalid(
                $"The model was trained on content embeddings of encoder '{trainedWith.GetString()}' (manifest encoder); this cluster encodes with '{encoder.ModelVersion}'.", "manifest");
        }
        if (!ValidVersion(model.Version))
        {
            throw Invalid($"The manifest's version '{model.Version}' must be 1..{MaxNameLength} characters of letters, digits, '.', '_' and '-'.", "manifest");
        }
        await ThrowIfForeignCatalogAsync(model);
        var kind = model.Metadata.TryGetValue(ArtifactKinds.ManifestKey, out var k) && k.ValueKind == JsonValueKind.String ? k.GetString()! : "learn";
        return (model, kind);
    }

    /// <summary>
    /// A model with learned item-id embeddings was trained on a catalog: when this cluster holds items but none of a
    /// sample of the model's ids, it was another catalog, and its id embeddings would all be unknown here.
    /// </summary>
    private async Task ThrowIfForeignCatalogAsync(PreferenceModel model)
    {
        if (model.ItemIds.Count == 0)
        {
            return;
        }
        var probe = model.ItemIds.Take(CatalogProbe).ToArray();
        var found = await Task.WhenAll(probe.Select(id => GrainReferences.Get<IItemGrain>(GrainFactory, id).GetAsync()));
        if (found.Any(f => f is not null))
        {
            return;
        }
        var catalog = await GrainFactory.GetGrain<IRetrievalGrain>(0).CountItemsAsync();
        if (catalog > 0)
        {
            throw Invalid(
                $"None of the first {probe.Length} of the model's {model.ItemIds.Count} learned item ids is in this catalog of {catalog} items: it was trained on another catalog.", "manifest");
        }
    }

    private async Task<ExperimentView> ExperimentViewAsync(ExperimentRecord experiment)
    {
        var counts = await GrainFactory.GetGrain<IExperimentMetricsGrain>(experiment.Name).GetAsync();
        var arms = experiment.Arms.Select(arm =>
        {
            var version = Public(arm.Version);
            var c = counts.FirstOrDefault(x => x.Version == version) ?? new ArmCounts(version, 0, 0, 0);
            var (low, high) = WilsonInterval.Of(c.Hits, c.Events);
            return new ArmMetrics(version, arm.Share, c.Served, c.Events, c.Hits, c.Events == 0 ? 0 : c.Hits / (double)c.Events, low, high);
        }).ToArray();
        var status = experiment.Arms.All(a => IsReady(a.Version)) ? ExperimentStatus.Running : ExperimentStatus.Preparing;
        return new ExperimentView(experiment.Name, status, experiment.StartedAt, arms, experimentOptions.Value.HitWindow);
    }

    /// <summary>The registry's name of a version asked for: the configured model's version is <see cref="ModelRegistryState.Configured"/>.</summary>
    private string Known(string? version, string parameter)
    {
        if (string.IsNullOrWhiteSpace(version))
        {
            throw new ArgumentException($"{parameter} is required.", parameter);
        }
        if (version == ConfiguredVersion)
        {
            return ModelRegistryState.Configured;
        }
        return Find(version)?.Version ?? throw new KeyNotFoundException($"No model version '{version}' is uploaded.");
    }

    /// <summary>Whether <paramref name="name"/> can serve at once: a complete index, partitioned as the index is now.</summary>
    private bool IsReady(string name) =>
        name == ModelRegistryState.Configured || (Find(name) is { Slot: not 0, Ready: true } record && record.Shards == indexOptions.Value.Shards);

    private ModelRecord? Find(string version) => S.Versions.Find(v => v.Version == version);

    private ModelSlot SlotOf(string name) =>
        name == ModelRegistryState.Configured ? new ModelSlot(0, ConfiguredVersion) : new ModelSlot(Find(name)!.Slot, name);

    private string Public(string? name) => string.IsNullOrEmpty(name) ? ConfiguredVersion : name;

    private ModelVersionInfo InfoOf(string name) => name == ModelRegistryState.Configured ? ConfiguredInfo() : Info(Find(name)!);

    private ModelVersionInfo ConfiguredInfo()
    {
        var status = S.Serving is null ? ModelStatus.Serving : ModelStatus.Ready;
        return new ModelVersionInfo(ConfiguredVersion, 0, status, ConfiguredVersion == ServingModel.ContentVersion ? "content" : "learn",
            models.Configured.Dimension ?? encoder.Dimension, null, null, 0, 0, "configuration");
    }

    private ModelVersionInfo Info(ModelRecord record)
    {
        var status = record.Version == S.Serving ? ModelStatus.Serving
            : record.Slot != 0 && record.Ready ? ModelStatus.Ready
            : record.Slot != 0 ? ModelStatus.Building
            : record.EverBuilt ? ModelStatus.Retired
            : ModelStatus.Uploaded;
        return new ModelVersionInfo(record.Version, record.Slot, status, record.Kind, record.Dimension, record.UploadedAt, record.ActivatedAt,
            record.ItemsIndexed, record.ItemsTotal, "upload");
    }

    /// <summary>A refused upload, naming the part of the artifact at fault (<c>manifest</c> or <c>weights</c>).</summary>
    private static ArgumentException Invalid(string message, string part, Exception? inner = null) => new(message, part, inner);

    private static void ValidateExperimentName(string? name)
    {
        if (!ValidVersion(name))
        {
            throw new ArgumentException($"name must be 1..{MaxNameLength} characters of letters, digits, '.', '_' and '-'.", nameof(name));
        }
    }

    private static bool ValidVersion(string? value) =>
        value is { Length: > 0 and <= MaxNameLength } && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}

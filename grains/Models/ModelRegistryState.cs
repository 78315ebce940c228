namespace Actors.Grains.Models;

/// <summary>The persisted state of the model registry.</summary>
[GenerateSerializer, Alias("Actors.ModelRegistryState")]
public sealed class ModelRegistryState
{
    /// <summary>Every uploaded version, in upload order.</summary>
    [Id(0)] public List<ModelRecord> Versions { get; set; } = [];

    /// <summary>The serving version (null: the configured model, slot 0).</summary>
    [Id(1)] public string? Serving { get; set; }

    /// <summary>The version a rollback returns to (null: none; the configured model is written as <see cref="Configured"/>).</summary>
    [Id(2)] public string? Previous { get; set; }

    /// <summary>The version being activated (its index building), or null.</summary>
    [Id(3)] public string? Activating { get; set; }

    [Id(4)] public ExperimentRecord? Experiment { get; set; }

    /// <summary>Grows with every change of what the silos route by.</summary>
    [Id(5)] public long Epoch { get; set; }

    /// <summary>The next index slot to assign; slots are never reused, so a rebuilt version never meets an old index.</summary>
    [Id(6)] public int NextSlot { get; set; } = 1;

    /// <summary>Every slot ever assigned and its version (shards of a dropped slot still ask what they were).</summary>
    [Id(7)] public Dictionary<int, string> SlotVersions { get; set; } = [];

    /// <summary>Slots retired whose shards have not all been told to drop their index yet.</summary>
    [Id(8)] public List<int> Dropping { get; set; } = [];

    /// <summary>The name <see cref="Serving"/> and <see cref="Previous"/> use for the configured model (slot 0).</summary>
    public const string Configured = "";
}

/// <summary>One uploaded version.</summary>
[GenerateSerializer, Alias("Actors.ModelRecord")]
public sealed class ModelRecord
{
    [Id(0)] public string Version { get; set; } = "";
    [Id(1)] public string Kind { get; set; } = "";
    [Id(2)] public int Dimension { get; set; }
    [Id(3)] public DateTimeOffset UploadedAt { get; set; }
    [Id(4)] public DateTimeOffset? ActivatedAt { get; set; }

    /// <summary>The artifact's hash: an upload of the same bytes is the same version again.</summary>
    [Id(5)] public string Hash { get; set; } = "";

    /// <summary>The index slot while the version has an index (building or ready), else 0 (none).</summary>
    [Id(6)] public int Slot { get; set; }

    /// <summary>Whether the index of <see cref="Slot"/> is complete.</summary>
    [Id(7)] public bool Ready { get; set; }

    /// <summary>When its index started building (the shards seed themselves <c>Model:BuildDelay</c> later).</summary>
    [Id(8)] public DateTimeOffset? BuildStartedAt { get; set; }

    [Id(9)] public long ItemsIndexed { get; set; }
    [Id(10)] public long ItemsTotal { get; set; }

    /// <summary>Whether it was ever built (a version without an index is then retired, not just uploaded).</summary>
    [Id(11)] public bool EverBuilt { get; set; }

    /// <summary>The <c>Index:Shards</c> its index was built with: with another count now, it is built again before it serves.</summary>
    [Id(12)] public int Shards { get; set; }
}

/// <summary>The experiment running.</summary>
[GenerateSerializer, Alias("Actors.ExperimentRecord")]
public sealed class ExperimentRecord
{
    [Id(0)] public string Name { get; set; } = "";

    /// <summary>The arms' versions (<see cref="ModelRegistryState.Configured"/> for the configured model) and shares.</summary>
    [Id(1)] public List<ExperimentArm> Arms { get; set; } = [];

    [Id(2)] public DateTimeOffset StartedAt { get; set; }
}

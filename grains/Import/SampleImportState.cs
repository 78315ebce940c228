namespace Actors.Grains.Import;

/// <summary>The durable record of a sample import (see <see cref="SampleImportGrain"/>).</summary>
[GenerateSerializer, Alias("Actors.Grains.Import.SampleImportState")]
public sealed class SampleImportState
{
    /// <summary>Attempts started so far (the first one included).</summary>
    [Id(0)] public int Attempts { get; set; }

    /// <summary>The holder of the lease, null when none.</summary>
    [Id(1)] public string? Holder { get; set; }

    /// <summary>When the lease lapses unless renewed.</summary>
    [Id(2)] public DateTimeOffset LeaseUntil { get; set; }

    /// <summary>Set once, when an attempt finished; never cleared.</summary>
    [Id(3)] public DateTimeOffset? CompletedAt { get; set; }

    /// <summary>What the completing silo said (imported, or skipped because the cluster held items already).</summary>
    [Id(4)] public string? Note { get; set; }

    /// <summary>The error of the last failed attempt.</summary>
    [Id(5)] public string? LastError { get; set; }
}

namespace Actors.Grains.Import;

/// <summary>What a silo that asked to run the sample import is to do.</summary>
[GenerateSerializer, Alias("Actors.SampleImportDecision")]
public enum SampleImportDecision
{
    /// <summary>This silo holds the lease: import, renew, then report completion or failure.</summary>
    Run,

    /// <summary>Another silo holds an unexpired lease: wait and ask again.</summary>
    Wait,

    /// <summary>The import has completed (recorded durably): nothing to do.</summary>
    Done,
}

/// <summary>The sample import's durable record as one silo sees it.</summary>
[GenerateSerializer, Immutable, Alias("Actors.SampleImportTurn")]
public sealed record SampleImportTurn(
    [property: Id(0)] SampleImportDecision Decision,
    [property: Id(1)] int Attempts,
    [property: Id(2)] string? Holder,
    [property: Id(3)] string? LastError);

/// <summary>
/// The one coordinator of a sample data set's import into the cluster (keyed by the data set's name): a lease, so one
/// silo imports at a time, and a durable record of attempts and completion, so an interrupted import is taken up again
/// on a later start (the import itself is idempotent) and a completed one never runs twice. Only the silos' sample
/// import (<c>silo/Import</c>) calls it, so it lives here rather than with the clients' contracts; public for the silo.
/// </summary>
[ClusterInternal]
[Alias("Actors.ISampleImportGrain")]
public interface ISampleImportGrain : IGrainWithStringKey
{
    /// <summary>Takes the lease for <paramref name="holder"/> unless the import is done or another holder's lease is unexpired.</summary>
    [Alias("TryAcquire")]
    Task<SampleImportTurn> TryAcquireAsync(string holder, TimeSpan lease);

    /// <summary>Extends <paramref name="holder"/>'s lease; false when it no longer holds it.</summary>
    [Alias("Renew")]
    Task<bool> RenewAsync(string holder, TimeSpan lease);

    /// <summary>Records the import as completed (<paramref name="note"/> says how) and releases the lease.</summary>
    [Alias("Complete")]
    Task CompleteAsync(string holder, string note);

    /// <summary>Records a failed attempt and releases the lease, so the next attempt may start at once.</summary>
    [Alias("Fail")]
    Task FailAsync(string holder, string reason);

    /// <summary>The record as it stands.</summary>
    [Alias("GetStatus")]
    Task<SampleImportTurn> GetStatusAsync();
}

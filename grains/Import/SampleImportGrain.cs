using Actors.Grains.Hosting;

namespace Actors.Grains.Import;

/// <summary>
/// The lease and durable record of one sample data set's import. Every decision writes the record before it answers,
/// so a holder that dies leaves a lease that lapses, and the next silo to ask takes the import up where storage says
/// it is. The lease is measured on this activation's clock only, so silos' clocks need not agree.
/// </summary>
internal sealed class SampleImportGrain(
    [PersistentState("sampleImport", StorageNames.Actors)] IPersistentState<SampleImportState> record,
    TimeProvider time) : Grain, ISampleImportGrain
{
    private SampleImportState State => record.State;

    public async Task<SampleImportTurn> TryAcquireAsync(string holder, TimeSpan lease)
    {
        ArgumentException.ThrowIfNullOrEmpty(holder);
        if (State.CompletedAt is not null)
        {
            return Turn(SampleImportDecision.Done);
        }
        var now = time.GetUtcNow();
        if (State.Holder is not null && State.Holder != holder && State.LeaseUntil > now)
        {
            return Turn(SampleImportDecision.Wait);
        }
        if (State.Holder != holder)
        {
            State.Attempts++;
        }
        State.Holder = holder;
        State.LeaseUntil = now + lease;
        await record.WriteStateAsync();
        return Turn(SampleImportDecision.Run);
    }

    public async Task<bool> RenewAsync(string holder, TimeSpan lease)
    {
        if (State.Holder != holder || State.CompletedAt is not null)
        {
            return false;
        }
        State.LeaseUntil = time.GetUtcNow() + lease;
        await record.WriteStateAsync();
        return true;
    }

    public async Task CompleteAsync(string holder, string note)
    {
        if (State.CompletedAt is not null)
        {
            return;
        }
        State.CompletedAt = time.GetUtcNow();
        State.Note = note;
        State.Holder = null;
        State.LastError = null;
        await record.WriteStateAsync();
    }

    public async Task FailAsync(string holder, string reason)
    {
        if (State.Holder != holder)
        {
            return;
        }
        State.Holder = null;
        State.LastError = reason;
        await record.WriteStateAsync();
    }

    public Task<SampleImportTurn> GetStatusAsync() =>
        Task.FromResult(Turn(State.CompletedAt is not null ? SampleImportDecision.Done : State.Holder is null ? SampleImportDecision.Run : SampleImportDecision.Wait));

    private SampleImportTurn Turn(SampleImportDecision decision) => new(decision, State.Attempts, State.Holder, State.LastError);
}

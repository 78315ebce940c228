using System.Diagnostics;
using Actors.Dataset;
using Actors.Encoder;
using Actors.Grains.Import;
using Actors.Ingest;
using Actors.Silo.Hosting;
using Microsoft.Extensions.Options;

namespace Actors.Silo.Import;

/// <summary>
/// Imports the bundled sample catalog into the cluster once (<see cref="CatalogOptions.ImportWhenEmpty"/>): the
/// cluster's <see cref="ISampleImportGrain"/> gives one silo at a time the lease, and records attempts and completion
/// durably; an interrupted import is taken up by the next silo to start (the import is idempotent, so what was stored
/// is not stored again), a failed one is retried with backoff. The silo is unready (503, saying why) until the record
/// says the import is done. The items' texts are encoded here with the silo's encoder in batches (kept in the
/// content-embedding cache on disk, so a later import does not encode them again) and imported with the batch path.
/// </summary>
internal sealed partial class SampleCatalogService(
    IClusterClient client,
    CatalogImporter importer,
    TextEncoder encoder,
    Readiness readiness,
    IOptions<CatalogOptions> options,
    IHostApplicationLifetime lifetime,
    ILocalSiloDetails silo,
    ILogger<SampleCatalogService> logger) : BackgroundService
{
    // One holder per start of a silo: a restarted silo is a new holder, and a lease left by the old one lapses.
    private readonly string _holder = $"{silo.SiloAddress.ToParsableString()}#{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Orleans is started by its own hosted service; wait until the whole host is up.
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(started.SetResult))
        {
            await started.Task.WaitAsync(stoppingToken);
        }
        var settings = options.Value;
        if (!settings.ImportWhenEmpty)
        {
            LogImportOff();
            readiness.MarkReady();
            return;
        }

        var coordinator = client.GetGrain<ISampleImportGrain>(settings.SampleDataset);
        var failures = 0;
        try
        {
            while (true)
            {
                try
                {
                    if (await TryImportAsync(coordinator, settings, stoppingToken))
                    {
                        readiness.MarkReady();
                        return;
                    }
                    await Task.Delay(settings.RetryDelay, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    failures++;
                    var delay = Backoff(settings, failures);
                    LogImportFailed(ex, failures, delay);
                    readiness.Report($"sample import failed ({failures} time{(failures > 1 ? "s" : "")} on this silo), retrying in {delay.TotalSeconds:F0} s: {ex.Message}");
                    try
                    {
                        await coordinator.FailAsync(_holder, ex.Message);
                    }
                    catch (Exception) when (!stoppingToken.IsCancellationRequested)
                    {
                        // The lease lapses on its own.
                    }
                    await Task.Delay(delay, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down: an import cut off here is taken up on the next start; give the lease back (if this silo
            // holds it) so that start need not wait for it to lapse.
            try
            {
                await coordinator.FailAsync(_holder, "the importing silo stopped").WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
            }
            catch (Exception)
            {
                // The lease lapses on its own.
            }
        }
    }

    /// <summary>One turn: true when the import is done (now or before), false when another silo holds it.</summary>
    private async Task<bool> TryImportAsync(ISampleImportGrain coordinator, CatalogOptions settings, CancellationToken cancellationToken)
    {
        var turn = await coordinator.TryAcquireAsync(_holder, settings.LeaseDuration);
        switch (turn.Decision)
        {
            case SampleImportDecision.Done:
                LogAlreadyImported(settings.SampleDataset, turn.Attempts);
                return true;
            case SampleImportDecision.Wait:
                LogWaiting(turn.Holder, turn.Attempts);
                readiness.Report($"sample import running on another silo (attempt {turn.Attempts}){(turn.LastError is null ? "" : $"; the last attempt failed: {turn.LastError}")}");
                return false;
        }
        if (turn.Attempts == 1)
        {
            // The cluster's first attempt: items already there are someone's data, not an interrupted sample import.
            var items = await client.GetGrain<IRetrievalGrain>(0).CountItemsAsync();
            if (items > 0)
            {
                LogSkipping(items);
                await coordinator.CompleteAsync(_holder, $"skipped: the cluster held {items} items");
                return true;
            }
        }
        using var importing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renewing = RenewAsync(coordinator, settings.LeaseDuration, importing.Token);
        try
        {
            await ImportSampleAsync(turn.Attempts, cancellationToken);
        }
        finally
        {
            await importing.CancelAsync();
            await renewing;
        }
        await coordinator.CompleteAsync(_holder, "imported");
        return true;
    }

    /// <summary>Keeps this silo's lease while it imports.</summary>
    private async Task RenewAsync(ISampleImportGrain coordinator, TimeSpan lease, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(lease / 3);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                if (!await coordinator.RenewAsync(_holder, lease))
                {
                    LogLeaseLost();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The import is over.
        }
        catch (Exception)
        {
            // A renewal that fails lets the lease lapse; the import goes on.
            LogLeaseLost();
        }
    }

    internal static TimeSpan Backoff(CatalogOptions settings, int failures)
    {
        var delay = settings.RetryDelay * Math.Pow(2, Math.Min(failures - 1, 30));
        return delay < settings.MaxRetryDelay ? delay : settings.MaxRetryDelay;
    }

    private async Task ImportSampleAsync(int attempt, CancellationToken cancellationToken)
    {
        var directory = Path.GetFullPath(options.Value.SampleDataset, AppContext.BaseDirectory);
        var dataset = UniSRecDataset.Load(directory);
        if (options.Value.MaxUsers > 0)
        {
            dataset = dataset.FirstUsers(options.Value.MaxUsers);
        }
        LogImporting(dataset.Name, dataset.Items.Count, directory, attempt);
        var watch = Stopwatch.StartNew();
        var lastLogged = new Dictionary<string, int>();
        var progress = new SynchronousProgress<ImportProgress>(p =>
        {
            // Log at every tenth of each stage.
            var tenth = p.Done * 10 / Math.Max(1, p.Total);
            lock (lastLogged)
            {
                if (lastLogged.GetValueOrDefault(p.Stage, -1) < tenth)
                {
                    lastLogged[p.Stage] = tenth;
                    readiness.Report($"importing {p.Stage}: {p.Done}/{p.Total}");
                    LogProgress(p.Stage, p.Done, p.Total, watch.Elapsed.TotalSeconds);
                }
            }
        });
        var contents = await EncodeAsync(dataset, progress, cancellationToken);
        await importer.ImportPrecomputedAsync(dataset.Items, contents, encoder.ModelVersion, progress, cancellationToken);
        await importer.ReplayTrainingAsync(dataset, progress, cancellationToken);
        LogImported(dataset.Name, watch.Elapsed.TotalSeconds);
    }

    /// <summary>The content embeddings of the catalog's texts, from the cache when it has them.</summary>
    private async Task<ReadOnlyMemory<float>[]> EncodeAsync(UniSRecDataset dataset, IProgress<ImportProgress> progress, CancellationToken cancellationToken)
    {
        var texts = dataset.Items.Select(i => i.Text).ToArray();
        var encoded = new SynchronousProgress<int>(done => progress.Report(new ImportProgress("encoding", done, texts.Length)));
        float[][] contents;
        try
        {
            contents = await Task.Run(() => ContentEmbeddingCache.GetOrCompute(encoder, texts, progress: encoded), cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The cache folder is not writable here: encode without it.
            LogCacheUnavailable(ex.Message);
            contents = await Task.Run(() => ContentEmbeddingCache.GetOrCompute(encoder, texts, Path.Combine(Path.GetTempPath(), $"actors-embeddings-{Environment.ProcessId}"), progress: encoded), cancellationToken);
        }
        return Array.ConvertAll(contents, c => (ReadOnlyMemory<float>)c);
    }

    /// <summary>Reports on the calling thread (unlike <see cref="Progress{T}"/>, which posts to the thread pool).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}

using System.Diagnostics;
using Actors.Dataset;
using Actors.Encoder;
using Actors.Ingest;
using Actors.Silo.Hosting;
using Microsoft.Extensions.Options;

namespace Actors.Silo.Import;

/// <summary>
/// On start, if the cluster holds no items, imports the bundled sample catalog and replays its training
/// interactions as events, logging progress; then marks the silo ready. The items' texts are encoded here with the
/// silo's encoder in batches (kept in the content-embedding cache on disk, so a later first start of an empty cluster
/// does not encode them again) and imported with the batch path.
/// </summary>
internal sealed partial class SampleCatalogService(
    IClusterClient client,
    CatalogImporter importer,
    TextEncoder encoder,
    Readiness readiness,
    IOptions<CatalogOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<SampleCatalogService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Orleans is started by its own hosted service; wait until the whole host is up.
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(started.SetResult))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        try
        {
            var items = await client.GetGrain<IRetrievalGrain>(0).CountItemsAsync();
            if (items > 0 || !options.Value.ImportWhenEmpty)
            {
                LogSkipping(items);
                readiness.MarkReady();
                return;
            }
            await ImportSampleAsync(stoppingToken);
            readiness.MarkReady();
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (Exception ex)
        {
            LogImportFailed(ex);
            readiness.Report($"sample import failed: {ex.Message}");
        }
    }

    private async Task ImportSampleAsync(CancellationToken cancellationToken)
    {
        var directory = Path.GetFullPath(options.Value.SampleDataset, AppContext.BaseDirectory);
        var dataset = UniSRecDataset.Load(directory);
        if (options.Value.MaxUsers > 0)
        {
            dataset = dataset.FirstUsers(options.Value.MaxUsers);
        }
        LogImporting(dataset.Name, dataset.Items.Count, directory);
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

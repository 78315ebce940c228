using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;

namespace Actors.Client.Commands;

/// <summary>What a bulk run did: users answered or failed, in all.</summary>
internal readonly record struct BulkRecommendResult(int Users, int Failed);

/// <summary>
/// Recommendations for many users (<c>recommend --users</c>): at most <paramref name="concurrency"/> queries through
/// <see cref="IRetrievalGrain.RecommendAsync"/> at once, one JSON line per user written in input order as soon as it
/// and every line before it are known. The queries ahead of the line being written are bounded (a reorder window of
/// <see cref="WindowPerQuery"/> × <paramref name="concurrency"/>), so a slow user holds the run back instead of letting
/// answers pile up, and memory stays the same for a million users as for ten. A user whose query fails gets an error
/// line and the run goes on.
/// </summary>
internal sealed class BulkRecommender(IClusterClient client, int k, int concurrency, RecommendOptions? options = null)
{
    /// <summary>Lines the window holds per concurrent query: room for the queries behind a slow one to go on.</summary>
    public const int WindowPerQuery = 4;

    private static readonly TimeSpan ProgressEvery = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// Queries every id of <paramref name="userIds"/> and writes its line to <paramref name="output"/>;
    /// <paramref name="progress"/> hears the users done so far, at most twice a second.
    /// </summary>
    public async Task<BulkRecommendResult> RunAsync(IAsyncEnumerable<string> userIds, TextWriter output, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(userIds);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        // Stops the reader when writing fails (a closed pipe), so it does not wait for room in the window for ever.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // Not disposed: after a failed write, queries still in flight release their slot when they end.
        var slots = new SemaphoreSlim(concurrency);
        var window = Channel.CreateBounded<Task<Line>>(new BoundedChannelOptions(concurrency * WindowPerQuery) { SingleReader = true, SingleWriter = true });
        var reading = StartQueriesAsync(userIds, window.Writer, slots, stop.Token);
        var users = 0;
        var failed = 0;
        var sinceProgress = Stopwatch.StartNew();
        try
        {
            await foreach (var pending in window.Reader.ReadAllAsync(stop.Token))
            {
                if (!pending.IsCompleted)
                {
                    // Lines known so far go out now, not when the buffer fills: a reader of the stream sees them at once.
                    await output.FlushAsync(stop.Token);
                }
                var line = await pending;
                await output.WriteLineAsync(line.Json.AsMemory(), stop.Token);
                users++;
                failed += line.Failed ? 1 : 0;
                if (progress is not null && sinceProgress.Elapsed >= ProgressEvery)
                {
                    progress.Report(users);
                    sinceProgress.Restart();
                }
            }
            await output.FlushAsync(stop.Token);
        }
        finally
        {
            await stop.CancelAsync();
            // The reader's failure (an unreadable input) has already ended the loop above through the channel.
            await reading.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
        progress?.Report(users);
        return new BulkRecommendResult(users, failed);
    }

    private async Task StartQueriesAsync(IAsyncEnumerable<string> userIds, ChannelWriter<Task<Line>> window, SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var userId in userIds.WithCancellation(cancellationToken))
            {
                await slots.WaitAsync(cancellationToken);
                await window.WriteAsync(QueryAsync(userId, slots, cancellationToken), cancellationToken);
            }
            window.Complete();
        }
        catch (Exception ex)
        {
            window.Complete(ex);
        }
    }

    private async Task<Line> QueryAsync(string userId, SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        try
        {
            if (UserIds.Check(userId, "userId") is { } problem)
            {
                return Error(userId, problem);
            }
            var result = await client.GetGrain<IRetrievalGrain>(0).RecommendAsync(userId, k, options, cancellationToken);
            var line = new UserRecommendationsLine(userId, result.Items, result.Source, result.Partial, result.ModelVersion, result.Experiment);
            return new Line(JsonSerializer.Serialize(line, BulkRecommendationsJsonContext.Lines.UserRecommendationsLine), Failed: false);
        }
        // Any failure of one user's query (a timeout, a refusal, a silo going away) is that user's line, not the run's end.
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return Error(userId, ex.Message);
        }
        finally
        {
            slots.Release();
        }
    }

    private static Line Error(string userId, string message) =>
        new(JsonSerializer.Serialize(new UserErrorLine(userId, message), BulkRecommendationsJsonContext.Lines.UserErrorLine), Failed: true);

    /// <summary>A user's line, serialized when the answer arrives so the window holds text, not answers.</summary>
    private readonly record struct Line(string Json, bool Failed);
}

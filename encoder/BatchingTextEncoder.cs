using System.Threading.Channels;

namespace Actors.Encoder;

/// <summary>
/// Dynamic micro-batching over a shared <see cref="TextEncoder"/>: concurrent <see cref="EncodeAsync"/> calls are
/// queued, and a background loop takes the first waiting text, keeps collecting until
/// <see cref="EncoderOptions.MaxBatchSize"/> texts or <see cref="EncoderOptions.MaxBatchWait"/> have passed, then
/// encodes them in one ONNX run and completes every caller (a failed run fails every caller of that batch).
/// </summary>
/// <remarks>
/// Thread-safe. Does not own the <see cref="TextEncoder"/>: dispose this first, then the encoder.
/// <see cref="DisposeAsync"/> stops accepting texts and finishes those already queued.
/// </remarks>
public sealed class BatchingTextEncoder : IAsyncDisposable, IDisposable
{
    private readonly TextEncoder _encoder;
    private readonly Channel<Request> _queue;
    private readonly int _maxBatchSize;
    private readonly TimeSpan _maxBatchWait;
    private readonly Task _loop;
    private long _batchesRun;
    private long _textsEncoded;

    /// <summary>Starts the batching loop over <paramref name="encoder"/>, batch size and wait taken from <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public BatchingTextEncoder(TextEncoder encoder, EncoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.GetValidationErrors();
        if (errors.Count > 0)
        {
            throw new ArgumentException($"Invalid encoder options: {string.Join(" ", errors)}", nameof(options));
        }

        _encoder = encoder;
        _maxBatchSize = options.MaxBatchSize;
        _maxBatchWait = options.MaxBatchWait;
        _queue = Channel.CreateUnbounded<Request>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
        _loop = Task.Run(RunAsync);
    }

    /// <summary>The encoder the batches run on.</summary>
    public TextEncoder Encoder => _encoder;

    /// <summary>ONNX runs made so far.</summary>
    public long BatchesRun => Interlocked.Read(ref _batchesRun);

    /// <summary>Texts encoded so far.</summary>
    public long TextsEncoded => Interlocked.Read(ref _textsEncoded);

    /// <summary>Encodes one text in the next batch.</summary>
    /// <exception cref="ArgumentException"><paramref name="text"/> is null, empty or white space.</exception>
    /// <exception cref="ObjectDisposedException">This encoder was disposed.</exception>
    public Task<float[]> EncodeAsync(string text, CancellationToken cancellationToken = default)
    {
        TextValidation.ThrowIfInvalid(text, nameof(text));

        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<float[]>(cancellationToken);
        }

        var request = new Request(text, cancellationToken);
        if (!_queue.Writer.TryWrite(request))
        {
            request.Dispose();
            throw new ObjectDisposedException(nameof(BatchingTextEncoder), "The batching encoder was disposed; no more texts are accepted.");
        }

        return request.Completion.Task;
    }

    /// <summary>Encodes several texts through the queue (they may share batches with other callers), in order.</summary>
    /// <exception cref="ArgumentException">A text is null, empty or white space.</exception>
    public async Task<float[][]> EncodeManyAsync(IReadOnlyList<string> texts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(texts);
        for (var i = 0; i < texts.Count; i++)
        {
            TextValidation.ThrowIfInvalid(texts[i], $"{nameof(texts)}[{i}]");
        }

        var pending = new Task<float[]>[texts.Count];
        for (var i = 0; i < texts.Count; i++)
        {
            pending[i] = EncodeAsync(texts[i], cancellationToken);
        }

        return await Task.WhenAll(pending).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>Blocks until the queued texts are encoded; prefer <see cref="DisposeAsync"/>. Present so a synchronous
    /// service provider disposal does not throw.</remarks>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<Request>(_maxBatchSize);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            if (!reader.TryRead(out var first))
            {
                continue;
            }

            batch.Add(first);
            await FillAsync(reader, batch).ConfigureAwait(false);
            RunBatch(batch);
            batch.Clear();
        }
    }

    private async Task FillAsync(ChannelReader<Request> reader, List<Request> batch)
    {
        using var window = new CancellationTokenSource(_maxBatchWait);
        while (batch.Count < _maxBatchSize)
        {
            if (reader.TryRead(out var next))
            {
                batch.Add(next);
                continue;
            }

            try
            {
                if (!await reader.WaitToReadAsync(window.Token).ConfigureAwait(false))
                {
                    return; // Completed: run what we have.
                }
            }
            catch (OperationCanceledException) when (window.IsCancellationRequested)
            {
                return; // The wait is over.
            }
        }
    }

    private void RunBatch(List<Request> batch)
    {
        // Callers who cancelled while queued are skipped, not encoded.
        var live = new List<Request>(batch.Count);
        foreach (var request in batch)
        {
            if (request.Completion.Task.IsCompleted)
            {
                request.Dispose();
            }
            else
            {
                live.Add(request);
            }
        }

        if (live.Count == 0)
        {
            return;
        }

        var texts = new string[live.Count];
        for (var i = 0; i < live.Count; i++)
        {
            texts[i] = live[i].Text;
        }

        try
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var embeddings = _encoder.Encode(texts);
            EncoderInstruments.BatchDuration.Record(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            EncoderInstruments.BatchSize.Record(texts.Length);
            EncoderInstruments.TextsEncoded.Add(texts.Length);
            Interlocked.Increment(ref _batchesRun);
            Interlocked.Add(ref _textsEncoded, texts.Length);
            for (var i = 0; i < live.Count; i++)
            {
                live[i].Completion.TrySetResult(embeddings[i]);
            }
        }
        catch (Exception ex)
        {
            foreach (var request in live)
            {
                request.Completion.TrySetException(ex);
            }
        }
        finally
        {
            foreach (var request in live)
            {
                request.Dispose();
            }
        }
    }

    private sealed class Request : IDisposable
    {
        private readonly CancellationTokenRegistration _registration;

        public Request(string text, CancellationToken cancellationToken)
        {
            Text = text;
            Completion = new TaskCompletionSource<float[]>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (cancellationToken.CanBeCanceled)
            {
                _registration = cancellationToken.Register(
                    static state =>
                    {
                        var (completion, token) = ((TaskCompletionSource<float[]>, CancellationToken))state!;
                        completion.TrySetCanceled(token);
                    },
                    (Completion, cancellationToken));
            }
        }

        public string Text { get; }

        public TaskCompletionSource<float[]> Completion { get; }

        public void Dispose() => _registration.Dispose();
    }
}

namespace Actors.Encoder.Tests;

[Collection(EncoderCollectionDefinition.Name)]
public sealed class BatchingTextEncoderTests(EncoderFixture fixture)
{
    private static readonly TimeSpan TestTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task EncodeAsync_64ConcurrentCallers_ShareAFewRunsAndMatchDirectEncoding()
    {
        // A wide window: on a busy two-core machine 64 thread-pool callers can take longer than the default 5 ms to
        // arrive, and the test is about callers inside one window sharing runs, not about the default's length.
        await using var batching = new BatchingTextEncoder(fixture.Mean, new EncoderOptions { MaxBatchWait = TimeSpan.FromMilliseconds(500) });
        var texts = Enumerable.Range(0, 64).Select(i => $"Item number {i} is a {(i % 2 == 0 ? "red" : "blue")} thing{new string('s', i % 7)}.").ToArray();

        var pending = texts.Select(text => Task.Run(() => batching.EncodeAsync(text))).ToArray();
        var results = await Task.WhenAll(pending).WaitAsync(TestTimeout);

        for (var i = 0; i < texts.Length; i++)
        {
            Vectors.Equal(fixture.Mean.Encode(texts[i]), results[i], 1e-5f);
        }

        Assert.Equal(64, batching.TextsEncoded);
        Assert.InRange(batching.BatchesRun, 1, 8);
    }

    [Fact]
    public async Task EncodeManyAsync_ReturnsVectorsInOrder()
    {
        await using var batching = new BatchingTextEncoder(fixture.Mean, new EncoderOptions { MaxBatchSize = 3 });
        string[] texts = ["one", "two words", "three words here", "four", "five"];

        var results = await batching.EncodeManyAsync(texts).WaitAsync(TestTimeout);

        Assert.Equal(texts.Length, results.Length);
        for (var i = 0; i < texts.Length; i++)
        {
            Vectors.Equal(fixture.Mean.Encode(texts[i]), results[i], 1e-5f);
        }

        Assert.True(batching.BatchesRun >= 2, $"MaxBatchSize 3 should split 5 texts into at least 2 runs, saw {batching.BatchesRun}.");
    }

    [Fact]
    public async Task EncodeAsync_WhenTheRunFails_FailsEveryCallerOfTheBatch()
    {
        var encoder = new TextEncoder(new EncoderOptions { MaxTokens = 32 });
        encoder.Dispose();
        await using var batching = new BatchingTextEncoder(encoder, new EncoderOptions { MaxBatchWait = TimeSpan.FromMilliseconds(50) });

        var pending = Enumerable.Range(0, 4).Select(i => batching.EncodeAsync($"text {i}")).ToArray();

        foreach (var task in pending)
        {
            await Assert.ThrowsAsync<ObjectDisposedException>(() => task.WaitAsync(TestTimeout));
        }

        Assert.Equal(0, batching.BatchesRun);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task EncodeAsync_NullOrEmptyText_ThrowsArgumentException(string? text)
    {
        await using var batching = new BatchingTextEncoder(fixture.Mean, new EncoderOptions());

        // Rejected synchronously, before queueing.
        Assert.Throws<ArgumentException>(() => { _ = batching.EncodeAsync(text!); });
        await Assert.ThrowsAsync<ArgumentException>(() => batching.EncodeManyAsync(["fine", text!]));
    }

    [Fact]
    public async Task EncodeAsync_CancelledBeforeItRuns_IsCancelled()
    {
        await using var batching = new BatchingTextEncoder(fixture.Mean, new EncoderOptions());
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => batching.EncodeAsync("cancelled", cancellation.Token));
    }

    [Fact]
    public async Task DisposeAsync_FinishesQueuedTexts_ThenRejectsNewOnes()
    {
        var batching = new BatchingTextEncoder(fixture.Mean, new EncoderOptions { MaxBatchSize = 4 });
        var pending = Enumerable.Range(0, 10).Select(i => batching.EncodeAsync($"queued text {i}")).ToArray();

        await batching.DisposeAsync().AsTask().WaitAsync(TestTimeout);

        Assert.All(pending, task => Assert.True(task.IsCompletedSuccessfully, "A queued text was not encoded before dispose returned."));
        Assert.Throws<ObjectDisposedException>(() => { _ = batching.EncodeAsync("too late"); });
    }
}

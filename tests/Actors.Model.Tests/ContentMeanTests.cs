namespace Actors.Model.Tests;

public sealed class ContentMeanTests
{
    [Fact]
    public void KnownAnswer_TwoVectors_IsTheirNormalisedMean()
    {
        var mean = new ContentMean(2);
        mean.Add([3f, 0f]);
        mean.Add([1f, 4f]);

        // mean (2, 2), norm 2√2.
        var expected = 1f / MathF.Sqrt(2f);
        var actual = mean.Normalized()!;
        Assert.Equal(expected, actual[0], 1e-7f);
        Assert.Equal(expected, actual[1], 1e-7f);
        Assert.Equal(actual, ContentMean.Of([[3f, 0f], [1f, 4f]]));
    }

    [Fact]
    public void Incremental_AddsOnly_EqualsFullBitForBit()
    {
        var vectors = RandomVectors(60, 24, seed: 7);
        var mean = new ContentMean(24);
        var written = new float[24];
        for (var i = 0; i < vectors.Length; i++)
        {
            mean.Add(vectors[i]);
            var full = ContentMean.Of(vectors[..(i + 1)])!;
            Assert.Equal(full, mean.Normalized());
            Assert.True(mean.TryWriteNormalized(written));
            Assert.Equal(full, written);
        }
    }

    [Fact]
    public void Incremental_SlidingWindowOf500Events_EqualsFullRecomputationOverTheWindow()
    {
        var vectors = RandomVectors(500, 24, seed: 5);
        var mean = new ContentMean(24);
        const int Window = 7;
        for (var i = 0; i < vectors.Length; i++)
        {
            mean.Add(vectors[i]);
            if (i >= Window)
            {
                mean.Remove(vectors[i - Window]);
            }

            var expected = ContentMean.Of(vectors[Math.Max(0, i - Window + 1)..(i + 1)])!;
            var actual = mean.Normalized()!;
            Assert.Equal(Math.Min(i + 1, Window), mean.Count);
            for (var d = 0; d < expected.Length; d++)
            {
                Assert.Equal(expected[d], actual[d], 1e-6f);
            }
        }
    }

    [Fact]
    public void Empty_HasNoMean_AndClearEmpties()
    {
        var mean = new ContentMean(3);
        Assert.Null(mean.Normalized());
        Assert.False(mean.TryWriteNormalized(new float[3]));
        Assert.Null(ContentMean.Of([]));
        mean.Add([1f, 2f, 3f]);
        mean.Clear();
        Assert.Equal(0, mean.Count);
        Assert.Null(mean.Normalized());
    }

    [Fact]
    public void WrongLength_IsRejected()
    {
        var mean = new ContentMean(3);
        Assert.Throws<ArgumentException>(() => mean.Add([1f]));
        Assert.Throws<ArgumentException>(() => mean.TryWriteNormalized(new float[2]));
        Assert.Throws<ArgumentException>(() => ContentMean.Of([[1f, 2f], [1f]]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ContentMean(0));
    }

    private static float[][] RandomVectors(int count, int dimension, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, dimension).Select(_ => (float)random.NextDouble()).ToArray())];
    }
}

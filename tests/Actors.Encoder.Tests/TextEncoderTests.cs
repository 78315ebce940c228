namespace Actors.Encoder.Tests;

[Collection(EncoderCollectionDefinition.Name)]
public sealed class TextEncoderTests(EncoderFixture fixture)
{
    private const string Weather = "The weather is lovely today.";
    private const string Sunny = "It's so sunny outside!";
    private const string Stadium = "He drove to the stadium.";

    [Fact]
    public void Encode_SentenceTransformersExample_MatchesPublishedSimilarities()
    {
        // sbert.net usage page, all-MiniLM-L6-v2: [[1, 0.6660, 0.1046], [0.6660, 1, 0.1411], [0.1046, 0.1411, 1]].
        var embeddings = fixture.Mean.Encode([Weather, Sunny, Stadium]);

        Assert.Equal(0.6660f, Vectors.Cosine(embeddings[0], embeddings[1]), 1e-3f);
        Assert.Equal(0.1046f, Vectors.Cosine(embeddings[0], embeddings[2]), 1e-3f);
        Assert.Equal(0.1411f, Vectors.Cosine(embeddings[1], embeddings[2]), 1e-3f);
    }

    [Fact]
    public void Encode_MiniLm_Returns384DimensionalUnitVectors()
    {
        Assert.Equal(384, fixture.Mean.Dimension);

        foreach (var embedding in fixture.Mean.Encode([Weather, "x", string.Join(' ', Enumerable.Repeat("long text", 300))]))
        {
            Assert.Equal(384, embedding.Length);
            Assert.Equal(1f, System.Numerics.Tensors.TensorPrimitives.Norm(embedding), 1e-5f);
        }
    }

    [Fact]
    public void Encode_TextAloneOrInABatchOfOtherLengths_GivesTheSameVector()
    {
        var alone = fixture.Mean.Encode(Sunny);
        var batch = fixture.Mean.Encode(["Hi.", Sunny, string.Join(' ', Enumerable.Repeat("a much longer sentence about stadiums", 12)), Weather]);

        Vectors.Equal(alone, batch[1], 1e-5f);
        Vectors.Equal(fixture.Mean.Encode(Weather), batch[3], 1e-5f);
        Vectors.Equal(fixture.Mean.Encode("Hi."), batch[0], 1e-5f);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(64)]
    public void Encode_RunsSortedByLength_GiveEveryTextItsOwnVectorInTheCallersOrder(int maxRunSize)
    {
        using var encoder = new TextEncoder(new EncoderOptions { MaxRunSize = maxRunSize });
        // Lengths deliberately out of order, with ties, so sorting moves texts across runs.
        string[] texts =
        [
            string.Join(' ', Enumerable.Repeat("a long sentence about telescopes", 8)), "Hi.", Weather, Stadium,
            "x", string.Join(' ', Enumerable.Repeat("microscope slides", 5)), Sunny, "Hi.", "lab gloves, nitrile, size M",
        ];

        var vectors = encoder.Encode(texts);

        Assert.Equal(texts.Length, vectors.Length);
        for (var i = 0; i < texts.Length; i++)
        {
            Vectors.Equal(fixture.Mean.Encode(texts[i]), vectors[i], 1e-5f);
        }
    }

    [Fact]
    public void Encode_ClsPooling_DiffersFromMeanPooling()
    {
        var mean = fixture.Mean.Encode(Weather);
        var cls = fixture.Cls.Encode(Weather);

        Assert.Equal(1f, System.Numerics.Tensors.TensorPrimitives.Norm(cls), 1e-5f);
        Assert.True(Vectors.Cosine(mean, cls) < 0.99f, $"Mean and CLS pooling gave nearly the same vector (cosine {Vectors.Cosine(mean, cls)}).");
        Assert.NotEqual(fixture.Mean.ModelVersion, fixture.Cls.ModelVersion);
    }

    [Fact]
    public void Encode_EmptyList_ReturnsNoVectors()
    {
        Assert.Empty(fixture.Mean.Encode(Array.Empty<string>()));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \t")]
    public void Encode_NullOrEmptyText_ThrowsArgumentException(string? text)
    {
        Assert.Throws<ArgumentException>(() => fixture.Mean.Encode(text!));
        var error = Assert.Throws<ArgumentException>(() => fixture.Mean.Encode([Weather, text!]));
        Assert.Equal("texts[1]", error.ParamName);
    }

    [Fact]
    public void Encode_ConcurrentCallersOnOneEncoder_GetTheSequentialResults()
    {
        var texts = Enumerable.Range(0, 48).Select(i => $"Item {i}: {(i % 3 == 0 ? Weather : i % 3 == 1 ? Sunny : Stadium)} {new string('!', i % 5)}").ToArray();
        var sequential = texts.Select(fixture.Mean.Encode).ToArray();

        var concurrent = new float[texts.Length][];
        Parallel.For(0, texts.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            // Mix single calls and small batches so sessions run with different shapes at the same time.
            concurrent[i] = i % 2 == 0 ? fixture.Mean.Encode(texts[i]) : fixture.Mean.Encode([texts[i], Stadium])[0];
        });

        for (var i = 0; i < texts.Length; i++)
        {
            Vectors.Equal(sequential[i], concurrent[i], 1e-5f);
        }
    }

    [Fact]
    public void ModelVersion_IsStableAcrossInstances_AndChangesWithPoolingAndMaxTokens()
    {
        using var again = new TextEncoder(new EncoderOptions());
        using var shorter = new TextEncoder(new EncoderOptions { MaxTokens = 64 });

        Assert.Equal(fixture.Mean.ModelVersion, again.ModelVersion);
        Assert.StartsWith("all-MiniLM-L6-v2/", fixture.Mean.ModelVersion, StringComparison.Ordinal);
        Assert.EndsWith("/mean/128", fixture.Mean.ModelVersion, StringComparison.Ordinal);
        Assert.NotEqual(fixture.Mean.ModelVersion, shorter.ModelVersion);
        Assert.NotEqual(fixture.Mean.ModelVersion, fixture.Cls.ModelVersion);
        Vectors.Equal(fixture.Mean.Encode(Weather), again.Encode(Weather), 1e-6f);
    }

    [Fact]
    public void Constructor_CudaOnAMachineWithoutIt_FallsBackToCpuWithOneWarning()
    {
        var logger = new ListLogger<TextEncoder>();

        using var encoder = new TextEncoder(new EncoderOptions { ExecutionProvider = ExecutionProvider.Cuda }, logger);

        var warnings = logger.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning).ToList();
        if (encoder.IsUsingCuda)
        {
            // A machine with a usable CUDA device: no fallback, so no warning.
            Assert.Empty(warnings);
        }
        else
        {
            Assert.Equal(ExecutionProvider.Cpu, encoder.ExecutionProvider);
            var warning = Assert.Single(warnings);
            Assert.Equal(2, warning.EventId.Id);
            Assert.Contains("CUDA", warning.Message, StringComparison.Ordinal);
        }

        Vectors.Equal(fixture.Mean.Encode(Weather), encoder.Encode(Weather), 1e-4f);
    }

    public static TheoryData<string, EncoderOptions> InvalidOptions => new()
    {
        { nameof(EncoderOptions.MaxTokens), new EncoderOptions { MaxTokens = 1 } },
        { nameof(EncoderOptions.MaxRunSize), new EncoderOptions { MaxRunSize = 0 } },
    };

    [Theory]
    [MemberData(nameof(InvalidOptions))]
    public void Constructor_InvalidOptions_ThrowsArgumentExceptionNamingTheSetting(string setting, EncoderOptions options)
    {
        var error = Assert.Throws<ArgumentException>(() => new TextEncoder(options));

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Encode_AfterDispose_ThrowsObjectDisposedException()
    {
        var encoder = new TextEncoder(new EncoderOptions { MaxTokens = 32 });
        encoder.Dispose();

        Assert.Throws<ObjectDisposedException>(() => encoder.Encode(Weather));
    }
}

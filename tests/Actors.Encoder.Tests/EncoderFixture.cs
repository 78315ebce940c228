using Microsoft.Extensions.Logging;

namespace Actors.Encoder.Tests;

/// <summary>One encoder per pooling mode, loaded once for every test in the collection (a load takes ≈ 1 s).</summary>
public sealed class EncoderFixture : IDisposable
{
    public EncoderFixture()
    {
        Mean = new TextEncoder(new EncoderOptions());
        Cls = new TextEncoder(new EncoderOptions { Pooling = PoolingMode.Cls });
    }

    public TextEncoder Mean { get; }

    public TextEncoder Cls { get; }

    public void Dispose()
    {
        Mean.Dispose();
        Cls.Dispose();
    }
}

[CollectionDefinition(EncoderCollectionDefinition.Name)]
public sealed class EncoderCollectionDefinition : ICollectionFixture<EncoderFixture>
{
    public const string Name = "Encoder";
}

/// <summary>Keeps every log entry, for asserting on what was logged.</summary>
public sealed class ListLogger<T> : ILogger<T>
{
    private readonly List<(LogLevel Level, EventId EventId, string Message)> _entries = [];

    public IReadOnlyList<(LogLevel Level, EventId EventId, string Message)> Entries
    {
        get
        {
            lock (_entries)
            {
                return [.. _entries];
            }
        }
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        lock (_entries)
        {
            _entries.Add((logLevel, eventId, formatter(state, exception)));
        }
    }
}

internal static class Vectors
{
    public static float Cosine(float[] a, float[] b) => System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(a, b);

    public static void Equal(float[] expected, float[] actual, float tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(
                MathF.Abs(expected[i] - actual[i]) <= tolerance,
                $"Component {i}: expected {expected[i]}, got {actual[i]} (tolerance {tolerance}).");
        }
    }
}

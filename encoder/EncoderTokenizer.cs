using System.Text;
using Microsoft.ML.Tokenizers;

namespace Actors.Encoder;

/// <summary>
/// BERT WordPiece tokenisation as the encoder feeds it: [CLS], the text's ids truncated so the whole is at most
/// <see cref="MaxTokens"/> long, [SEP]. Thread-safe.
/// </summary>
public sealed class EncoderTokenizer
{
    // WordPiece splits a word into at most MaxInputCharsPerWord (100) pieces, so asking the tokenizer for this many
    // extra tokens guarantees the first MaxTokens - 2 are exactly those of the untruncated text.
    private const int TruncationSlack = 128;

    private readonly BertTokenizer _tokenizer;

    private EncoderTokenizer(BertTokenizer tokenizer, int maxTokens, bool lowerCase)
    {
        _tokenizer = tokenizer;
        MaxTokens = maxTokens;
        LowerCase = lowerCase;
    }

    /// <summary>
    /// Whether this process can decompose Unicode (NFD), which stripping accents needs. It cannot when the host runs
    /// with <c>InvariantGlobalization</c>: <see cref="string.Normalize()"/> then returns its input unchanged, and
    /// accented words ("café") tokenise to [UNK] instead of their unaccented pieces.
    /// </summary>
    public static bool CanStripAccents { get; } = "\u00e9".Normalize(NormalizationForm.FormD).Length == 2;

    /// <summary>Whether text is lower-cased before WordPiece.</summary>
    public bool LowerCase { get; }

    /// <summary>Whether accents are stripped, as uncased BERT does: lower-casing is on and <see cref="CanStripAccents"/>.</summary>
    public bool StripsAccents => LowerCase && CanStripAccents;

    /// <summary>Most ids <see cref="Tokenize"/> returns, [CLS] and [SEP] included.</summary>
    public int MaxTokens { get; }

    /// <summary>Id of [CLS].</summary>
    public int ClassificationTokenId => _tokenizer.ClassificationTokenId;

    /// <summary>Id of [SEP].</summary>
    public int SeparatorTokenId => _tokenizer.SeparatorTokenId;

    /// <summary>Loads a WordPiece vocabulary (<c>vocab.txt</c>, one token a line).</summary>
    /// <param name="vocabularyPath">The vocabulary file.</param>
    /// <param name="maxTokens">Most ids per text, [CLS] and [SEP] included; 2 to 512.</param>
    /// <param name="lowerCase">Lower-case and strip accents first, as uncased vocabularies expect.</param>
    public static EncoderTokenizer Create(string vocabularyPath, int maxTokens = 128, bool lowerCase = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(vocabularyPath);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 2);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxTokens, EncoderOptions.MaxSupportedTokens);
        using var vocabulary = File.OpenRead(vocabularyPath);
        var tokenizer = BertTokenizer.Create(vocabulary, new BertOptions
        {
            LowerCaseBeforeTokenization = lowerCase,
            // Uncased BERT strips accents whenever it lower-cases (the default of HF BasicTokenizer's strip_accents).
            RemoveNonSpacingMarks = lowerCase,
            ApplyBasicTokenization = true,
            IndividuallyTokenizeCjk = true,
            SplitOnSpecialTokens = true,
        });
        return new EncoderTokenizer(tokenizer, maxTokens, lowerCase);
    }

    /// <summary>The model input ids of <paramref name="text"/>, at most <see cref="MaxTokens"/> of them.</summary>
    /// <exception cref="ArgumentException"><paramref name="text"/> is null, empty or white space.</exception>
    public int[] Tokenize(string text)
    {
        TextValidation.ThrowIfInvalid(text, nameof(text));
        var body = _tokenizer.EncodeToIds(text, MaxTokens - 2 + TruncationSlack, addSpecialTokens: false, out _, out _);
        var kept = Math.Min(body.Count, MaxTokens - 2);
        var ids = new int[kept + 2];
        ids[0] = _tokenizer.ClassificationTokenId;
        for (var i = 0; i < kept; i++)
        {
            ids[i + 1] = body[i];
        }

        ids[^1] = _tokenizer.SeparatorTokenId;
        return ids;
    }
}

namespace Actors.Encoder.Tests;

public sealed class EncoderTokenizerTests
{
    private const int Cls = 101;
    private const int Sep = 102;
    private const int Hello = 7592;
    private const int World = 2088;

    private static readonly string VocabularyPath = EmbeddedModels.ExtractMiniLm().VocabularyPath;

    [Fact]
    public void Tokenize_HelloWorld_MatchesBertBaseUncased()
    {
        var tokenizer = EncoderTokenizer.Create(VocabularyPath);

        Assert.Equal([101, 7592, 1010, 2088, 999, 102], tokenizer.Tokenize("Hello, world!"));
    }

    [Fact]
    public void Tokenize_AccentsAndCase_AreRemovedLikeUncasedBert()
    {
        var tokenizer = EncoderTokenizer.Create(VocabularyPath);

        Assert.Equal(tokenizer.Tokenize("hello world"), tokenizer.Tokenize("HÉLLO Wörld"));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(16)]
    [InlineData(128)]
    [InlineData(512)]
    public void Tokenize_LongText_KeepsClsAndSepWithExactlyMaxTokens(int maxTokens)
    {
        var tokenizer = EncoderTokenizer.Create(VocabularyPath, maxTokens);
        var text = string.Join(' ', Enumerable.Repeat("hello world", 400));

        var ids = tokenizer.Tokenize(text);

        Assert.Equal(maxTokens, ids.Length);
        Assert.Equal(Cls, ids[0]);
        Assert.Equal(Sep, ids[^1]);
        for (var i = 1; i < ids.Length - 1; i++)
        {
            Assert.Equal(i % 2 == 1 ? Hello : World, ids[i]);
        }
    }

    [Fact]
    public void Tokenize_TruncationInsideAWord_KeepsTheLeadingPieces()
    {
        var full = EncoderTokenizer.Create(VocabularyPath, 512);
        var text = string.Join(' ', Enumerable.Repeat("unaffable", 60));
        var all = full.Tokenize(text);
        Assert.True(all.Length > 40, "The text should have more than 40 word pieces.");

        for (var maxTokens = 3; maxTokens <= 12; maxTokens++)
        {
            var ids = EncoderTokenizer.Create(VocabularyPath, maxTokens).Tokenize(text);

            Assert.Equal(maxTokens, ids.Length);
            Assert.Equal(all[..(maxTokens - 1)], ids[..^1]);
            Assert.Equal(Sep, ids[^1]);
        }
    }

    [Fact]
    public void Tokenize_ShortText_IsNotPadded()
    {
        var tokenizer = EncoderTokenizer.Create(VocabularyPath, 128);

        Assert.Equal(4, tokenizer.Tokenize("hello world").Length);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void Tokenize_NullOrEmpty_Throws(string? text)
    {
        var tokenizer = EncoderTokenizer.Create(VocabularyPath);

        var error = Assert.Throws<ArgumentException>(() => tokenizer.Tokenize(text!));
        Assert.Contains("expected non-empty item text", error.Message, StringComparison.Ordinal);
    }
}

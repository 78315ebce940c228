namespace Actors.Encoder;

internal static class TextValidation
{
    public static void ThrowIfInvalid(string? text, string parameterName)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new ArgumentException(
                text is null
                    ? "Text to encode was null; expected non-empty item text."
                    : "Text to encode was empty or white space; expected non-empty item text.",
                parameterName);
        }
    }
}

namespace Actors.Model;

/// <summary>
/// A model artifact (manifest, safetensors file or the tensors in it) is malformed or does not match
/// the architecture its manifest describes. The message names the file and the problem.
/// </summary>
public sealed class ModelFormatException : FormatException
{
    public ModelFormatException()
    {
    }

    public ModelFormatException(string message)
        : base(message)
    {
    }

    public ModelFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

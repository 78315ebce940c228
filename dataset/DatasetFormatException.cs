namespace Actors.Dataset;

/// <summary>A data-set file does not have the layout the loader expects; the message names the file and line.</summary>
public sealed class DatasetFormatException : Exception
{
    public DatasetFormatException(string message) : base(message) { }

    public DatasetFormatException(string message, Exception innerException) : base(message, innerException) { }

    public DatasetFormatException() { }
}

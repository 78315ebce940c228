namespace Actors.Silo.Import;

internal sealed partial class SampleCatalogService
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Sample import is off (Catalog:ImportWhenEmpty=false)")]
    private partial void LogImportOff();

    [LoggerMessage(Level = LogLevel.Information, Message = "Sample catalog {Dataset} is imported already ({Attempts} attempts); no import")]
    private partial void LogAlreadyImported(string dataset, int attempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster held {Items} items before any sample import; the sample catalog is not imported")]
    private partial void LogSkipping(int items);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sample import runs on {Holder} (attempt {Attempts}); waiting")]
    private partial void LogWaiting(string? holder, int attempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Importing sample catalog {Name} ({Items} items) from {Directory}, attempt {Attempt}")]
    private partial void LogImporting(string name, int items, string directory, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Import {Stage}: {Done}/{Total} ({Seconds:F1} s)")]
    private partial void LogProgress(string stage, int done, int total, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sample catalog {Name} imported in {Seconds:F1} s; ready")]
    private partial void LogImported(string name, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The content-embedding cache is not usable ({Error}); encoding the sample catalog into a temporary folder")]
    private partial void LogCacheUnavailable(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "This silo lost the sample import's lease (another silo may take it up); the import goes on, it is idempotent")]
    private partial void LogLeaseLost();

    [LoggerMessage(Level = LogLevel.Error, Message = "Sample catalog import failed (failure {Failures} on this silo); retrying in {Delay}")]
    private partial void LogImportFailed(Exception exception, int failures, TimeSpan delay);
}

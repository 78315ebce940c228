namespace Actors.Silo.Import;

internal sealed partial class SampleCatalogService
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster holds {Items} items; no sample import")]
    private partial void LogSkipping(int items);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster is empty: importing sample catalog {Name} ({Items} items) from {Directory}")]
    private partial void LogImporting(string name, int items, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Import {Stage}: {Done}/{Total} ({Seconds:F1} s)")]
    private partial void LogProgress(string stage, int done, int total, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sample catalog {Name} imported in {Seconds:F1} s; ready")]
    private partial void LogImported(string name, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The content-embedding cache is not usable ({Error}); encoding the sample catalog into a temporary folder")]
    private partial void LogCacheUnavailable(string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sample catalog import failed; the silo stays unready")]
    private partial void LogImportFailed(Exception exception);
}

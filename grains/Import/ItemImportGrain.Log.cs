using Microsoft.Extensions.Logging;

namespace Actors.Grains.Import;

internal sealed partial class ItemImportGrain
{
    [LoggerMessage(Level = LogLevel.Debug, Message = "Import batch of {Count}: {Stored} stored, {Unchanged} already stored, {Updated} through their grains, {Indexed} index entries changed")]
    private partial void LogImported(int count, int stored, int unchanged, int updated, int indexed);
}

using Microsoft.Extensions.Logging;

namespace Actors.Grains.Experiments;

internal sealed partial class ExperimentMetricsGrain
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Experiment {Experiment}: {Count} invalid counts (no version, a negative count or more hits than events) dropped")]
    private partial void LogInvalidDeltas(string experiment, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Experiment {Experiment}: writing the counts on deactivation ({Reason}) failed ({Error}); counts since the last save are lost")]
    private partial void LogSaveOnDeactivationFailed(string experiment, string reason, string error);
}

using Microsoft.Extensions.Logging;

namespace Actors.Grains.Models;

internal sealed partial class ModelRegistryGrain
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Model version {Version} uploaded ({Kind}, {Dimension} dimensions)")]
    private partial void LogUploaded(string version, string kind, int dimension);

    [LoggerMessage(Level = LogLevel.Information, Message = "Activating model version {Version}: building its index")]
    private partial void LogActivating(string version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Activation of model version {Version} cancelled")]
    private partial void LogActivationCancelled(string version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rolled back from model version {From} to {To}")]
    private partial void LogRolledBack(string from, string to);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model version {Version} built its index (slot {Slot}, {Items} items)")]
    private partial void LogBuilt(string version, int slot, long items);

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving switched from model version {From} to {To}")]
    private partial void LogSwitched(string from, string to);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model version {Version} retired: the index of slot {Slot} is dropped")]
    private partial void LogRetired(string version, int slot);

    [LoggerMessage(Level = LogLevel.Information, Message = "Experiment {Name} started: {Arms}")]
    private partial void LogExperimentStarted(string name, string arms);

    [LoggerMessage(Level = LogLevel.Information, Message = "Experiment {Name} stopped; promoted: {Promoted}")]
    private partial void LogExperimentStopped(string name, string promoted);
}

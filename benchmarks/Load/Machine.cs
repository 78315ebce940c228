using System.Text.Json.Nodes;
using Actors.Evaluation;

namespace Actors.Benchmarks.Load;

/// <summary>The load report's <c>machine</c> object: <see cref="MachineDescription"/> (shared with the evaluation report) as JSON.</summary>
internal static class Machine
{
    public static JsonObject Describe()
    {
        var machine = MachineDescription.Current();
        return new()
        {
            ["cpu"] = machine.Cpu ?? "unknown",
            ["cores"] = machine.Cores,
            ["os"] = machine.Os,
            ["runtime"] = machine.Runtime,
            ["memory_gb"] = machine.MemoryGb,
            ["load_average_start"] = LoadAverage(),
        };
    }

    /// <summary>The 1-minute load average, or null where /proc has none.</summary>
    public static double? LoadAverage() => MachineDescription.LoadAverage();
}

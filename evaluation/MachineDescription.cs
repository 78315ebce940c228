using System.Globalization;
using System.Runtime.InteropServices;

namespace Actors.Evaluation;

/// <summary>
/// The machine a measurement ran on, as the evaluation report and the load benchmarks name it beside their numbers
/// (one description, so the two agree). Read from the process and, on Linux, <c>/proc</c>.
/// </summary>
/// <param name="Name">The host name.</param>
/// <param name="Cpu">The CPU model, or null where <c>/proc/cpuinfo</c> does not name one.</param>
/// <param name="Cores">Logical processors available to the process.</param>
/// <param name="Os">The operating system's description.</param>
/// <param name="Runtime">The runtime's description (e.g. <c>.NET 10.0.12</c>).</param>
/// <param name="RuntimeVersion">The runtime's version number.</param>
/// <param name="MemoryGb">Memory available to the GC, in GB (one decimal).</param>
public sealed record MachineDescription(string Name, string? Cpu, int Cores, string Os, string Runtime, Version RuntimeVersion, double MemoryGb)
{
    /// <summary>This machine, now.</summary>
    public static MachineDescription Current() => new(
        Environment.MachineName,
        CpuModel(),
        Environment.ProcessorCount,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        Environment.Version,
        Math.Round(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 1e9, 1));

    /// <summary>The CPU model from <c>/proc/cpuinfo</c>'s first <c>model name</c> line; null where there is none.</summary>
    public static string? CpuModel()
    {
        try
        {
            if (!File.Exists("/proc/cpuinfo"))
            {
                return null;
            }

            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal))
                {
                    return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
            // The CPU name is a courtesy; a measurement is still valid without it.
        }

        return null;
    }

    /// <summary>The 1-minute load average (other work sharing the CPU shows here), or null where /proc has none.</summary>
    public static double? LoadAverage()
    {
        try
        {
            var first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
            return double.Parse(first, CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return null;
        }
    }
}

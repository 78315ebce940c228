using System.Text.Encodings.Web;
using System.Text.Json;

namespace Actors.Evaluation;

/// <summary>
/// Writes a <see cref="SplitReport"/> as the JSON file checks outside the repository read:
/// <c>{"dataset", "split", "users", "metrics": {"R@10", "N@10", "R@20", "N@20", "R@50", "N@50", "MRR"}}</c> for the
/// <c>--model</c> scorer (<c>metrics</c> is left out when no model was evaluated), then <c>maskSeen</c>, <c>model</c>
/// (path and version), <c>baselines</c> (name → metrics object) and <c>skipped</c> (name → reason).
/// </summary>
public static class EvaluationJson
{
    /// <summary>Serialises <paramref name="report"/> (indented UTF-8).</summary>
    public static byte[] Serialize(SplitReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("dataset", report.Dataset);
            writer.WriteString("split", report.SplitName);
            writer.WriteNumber("users", report.Users);
            if (report.Model is not null)
            {
                WriteMetrics(writer, "metrics", report.Model.Metrics);
            }

            writer.WriteBoolean("maskSeen", report.MaskSeen);
            if (report.Model is not null)
            {
                writer.WriteStartObject("model");
                writer.WriteString("name", report.Model.Name);
                writer.WriteString("description", report.Model.Description);
                writer.WriteEndObject();
            }

            writer.WriteStartObject("baselines");
            foreach (var baseline in report.Baselines)
            {
                WriteMetrics(writer, baseline.Name, baseline.Metrics);
            }

            writer.WriteEndObject();
            writer.WriteStartObject("skipped");
            foreach (var (name, reason) in report.Skipped)
            {
                writer.WriteString(name, reason);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Writes <paramref name="report"/> to <paramref name="path"/>, creating its folder.</summary>
    public static void Write(string path, SplitReport report)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(folder))
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllBytes(path, Serialize(report));
    }

    private static void WriteMetrics(Utf8JsonWriter writer, string name, RankingMetrics metrics)
    {
        writer.WriteStartObject(name);
        var values = metrics.Values;
        for (var i = 0; i < values.Count; i++)
        {
            // Rounded so files diff cleanly; 1e-6 is far below the 1/users ≈ 1.2e-4 step of a recall.
            writer.WriteNumber(RankingMetrics.Names[i], Math.Round(values[i], 6));
        }

        writer.WriteEndObject();
    }
}

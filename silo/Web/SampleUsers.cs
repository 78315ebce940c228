using Actors.Dataset;
using Actors.Silo.Hosting;
using Microsoft.Extensions.Options;

namespace Actors.Silo.Web;

/// <summary>A few users of the sample catalog with a history worth looking at, for the explorer page.</summary>
internal sealed class SampleUsers(IOptions<CatalogOptions> options)
{
    private readonly Lazy<string[]> _users = new(() => Pick(options.Value));

    public IReadOnlyList<string> Users => _users.Value;

    private static string[] Pick(CatalogOptions options)
    {
        var directory = Path.GetFullPath(options.SampleDataset, AppContext.BaseDirectory);
        if (!Directory.Exists(directory))
        {
            return [];
        }
        var dataset = UniSRecDataset.Load(directory);
        if (options.MaxUsers > 0)
        {
            dataset = dataset.FirstUsers(options.MaxUsers);
        }
        var sequences = dataset.TrainingSequences();
        // Short-to-medium histories make the effect of a click easy to see.
        return Enumerable.Range(0, sequences.Length)
            .Where(u => sequences[u].Length is >= 4 and <= 12)
            .Take(6)
            .Select(u => dataset.UserIds[u])
            .ToArray();
    }
}

using System.Globalization;
using System.Text.Json;

namespace Actors.Model;

/// <summary>
/// The served score: the model's cosine fused with item → next-item counts over the user's last items,
/// <c>s(i) = cos(u, i) / τ + λ · log1p(T(i)) − μ · [i in the history]</c> with
/// <c>T(i) = Σ_{j &lt; window} decay^j · count(h_{−1−j} → i)</c> (j = 0 is the user's last item). The trainer chooses
/// λ, the window, the decay and μ on the validation split and writes them into the artifact's manifest
/// (<c>fusion</c>), so a data set where people come back to what they had gets a small μ and one where they never do
/// a large one; grains and the evaluator both score through this type, so offline numbers are the served numbers.
/// (The grains leave a user's history out of the answer altogether, which is μ = ∞.) Immutable.
/// </summary>
/// <param name="Lambda">λ ≥ 0, the weight of the counts in logit units; 0 = the model alone.</param>
/// <param name="Window">How many of the user's last items vote, ≥ 1.</param>
/// <param name="Decay">The weight ratio of each older item, in (0, 1].</param>
/// <param name="Temperature">τ &gt; 0, the cosine's scale (the training temperature).</param>
/// <param name="SeenPenalty">μ ≥ 0, subtracted from the items of the user's history; 0 = none.</param>
public sealed record FusionSettings(double Lambda, int Window, double Decay, double Temperature, double SeenPenalty = 0)
{
    /// <summary>The manifest field that holds the settings.</summary>
    public const string ManifestKey = "fusion";

    /// <summary>The model alone (λ = 0): what an artifact without a <c>fusion</c> field is served with.</summary>
    public static FusionSettings ModelOnly { get; } = new(0, 1, 1, 1);

    /// <summary>Whether the counts take part at all.</summary>
    public bool UsesCounts => Lambda > 0;

    /// <summary>Whether anything but the cosine takes part.</summary>
    public bool IsFused => Lambda > 0 || SeenPenalty > 0;

    /// <summary>The settings of an artifact: its manifest's <c>fusion</c> field, or <see cref="ModelOnly"/> without one.</summary>
    /// <exception cref="ModelFormatException">The field is present but malformed or out of range.</exception>
    public static FusionSettings Of(PreferenceModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.Metadata.TryGetValue(ManifestKey, out var element))
        {
            return ModelOnly;
        }

        try
        {
            var settings = new FusionSettings(
                element.GetProperty("lambda").GetDouble(),
                element.GetProperty("window").GetInt32(),
                element.GetProperty("decay").GetDouble(),
                element.GetProperty("temperature").GetDouble(),
                element.TryGetProperty("seenPenalty", out var seen) ? seen.GetDouble() : 0);
            settings.Validate();
            return settings;
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw new ModelFormatException(
                $"Model '{model.Version}': manifest field '{ManifestKey}' must be {{\"lambda\": ≥0, \"window\": ≥1, \"decay\": (0,1], \"temperature\": >0, \"seenPenalty\": ≥0 (optional)}}; {e.Message}");
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> when a value is out of range.</summary>
    public void Validate()
    {
        if (!double.IsFinite(Lambda) || Lambda < 0)
        {
            throw new ArgumentException($"Fusion lambda must be finite and ≥ 0, was {Lambda.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (Window < 1)
        {
            throw new ArgumentException($"Fusion window must be ≥ 1, was {Window}.");
        }

        if (!(Decay > 0 && Decay <= 1))
        {
            throw new ArgumentException($"Fusion decay must lie in (0, 1], was {Decay.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (!(Temperature > 0 && double.IsFinite(Temperature)))
        {
            throw new ArgumentException($"Fusion temperature must be finite and > 0, was {Temperature.ToString(CultureInfo.InvariantCulture)}.");
        }

        if (!double.IsFinite(SeenPenalty) || SeenPenalty < 0)
        {
            throw new ArgumentException($"Fusion seenPenalty must be finite and ≥ 0, was {SeenPenalty.ToString(CultureInfo.InvariantCulture)}.");
        }
    }

    /// <summary>The settings as the manifest stores them.</summary>
    public JsonElement ToJson() => JsonSerializer.SerializeToElement(new Dictionary<string, double>
    {
        ["lambda"] = Lambda,
        ["window"] = Window,
        ["decay"] = Decay,
        ["temperature"] = Temperature,
        ["seenPenalty"] = SeenPenalty,
    });

    /// <summary>The model's part of the score: cos / τ.</summary>
    public float ModelScore(float cosine) => (float)(cosine / Temperature);

    /// <summary>The counts' part of the score: λ · log1p(T).</summary>
    public float CountScore(float transitions) => transitions > 0 ? (float)(Lambda * Math.Log(1 + transitions)) : 0f;

    /// <summary>The fused score of one candidate outside the user's history.</summary>
    public float Score(float cosine, float transitions) => ModelScore(cosine) + CountScore(transitions);

    /// <summary>The fused score of one candidate.</summary>
    public float Score(float cosine, float transitions, bool seen) => Adjust(ModelScore(cosine), transitions, seen);

    /// <summary>
    /// A model score (<see cref="ModelScore"/>) with the counts added and the seen penalty taken off, in that order and in
    /// float arithmetic: the one sequence of operations every scorer uses, so their results agree to the bit.
    /// </summary>
    public float Adjust(float modelScore, float transitions, bool seen)
    {
        var score = modelScore + CountScore(transitions);
        return seen && SeenPenalty > 0 ? score - (float)SeenPenalty : score;
    }

    /// <summary>
    /// T(i) for every successor of the user's last <see cref="Window"/> items: adds
    /// <c>decay^j · count</c> for the j-th newest item's successors into <paramref name="into"/> (which is not cleared).
    /// </summary>
    /// <param name="successorsNewestFirst">The successor counts of the user's last items, newest first; only the first <see cref="Window"/> are read.</param>
    /// <param name="into">Accumulated T per candidate.</param>
    public void AccumulateTransitions<TItem>(IReadOnlyList<IReadOnlyDictionary<TItem, int>> successorsNewestFirst, Dictionary<TItem, float> into)
        where TItem : notnull
    {
        ArgumentNullException.ThrowIfNull(successorsNewestFirst);
        ArgumentNullException.ThrowIfNull(into);
        var weight = 1.0;
        var count = Math.Min(Window, successorsNewestFirst.Count);
        for (var j = 0; j < count; j++)
        {
            foreach (var (item, n) in successorsNewestFirst[j])
            {
                into[item] = (float)(into.GetValueOrDefault(item) + (weight * n));
            }

            weight *= Decay;
        }
    }

    /// <summary>
    /// As <see cref="AccumulateTransitions{TItem}(IReadOnlyList{IReadOnlyDictionary{TItem, int}}, Dictionary{TItem, float})"/>
    /// for a history (oldest first) looked up in one table.
    /// </summary>
    public void AccumulateTransitions<TItem>(ReadOnlySpan<TItem> history, TransitionCounts<TItem> counts, Dictionary<TItem, float> into)
        where TItem : notnull
    {
        ArgumentNullException.ThrowIfNull(counts);
        var newestFirst = new IReadOnlyDictionary<TItem, int>[Math.Min(Window, history.Length)];
        for (var j = 0; j < newestFirst.Length; j++)
        {
            newestFirst[j] = counts.Successors(history[history.Length - 1 - j]);
        }

        AccumulateTransitions(newestFirst, into);
    }
}

namespace Actors.Model;

/// <summary>
/// The user tower for one user, updated one event at a time. Because attention is causal, earlier positions'
/// hidden states never depend on later items, so <see cref="Append(ReadOnlySpan{float})"/> keeps every layer's keys and values of
/// earlier positions and computes only the new position: O(n·h + h² + h·ff) per layer instead of O(n²).
/// <para>
/// The window holds at most <see cref="MaxLength"/> + <see cref="Slack"/> items. Appending to a full window keeps
/// the newest <see cref="MaxLength"/> − 1 items plus the new one and recomputes them all, because every position's
/// state depends on the items before it (and, with learned positions, on where the window starts): that costs one
/// full O(n²) pass per slide. With a slack of k that pass happens once every k + 1 appends, at the price of a window
/// that varies between MaxLength and MaxLength + k. Either way <see cref="Embedding"/> equals
/// <see cref="PreferenceModel.UserEmbedding(IReadOnlyList{float[]})"/> over the current <see cref="Count"/> items.
/// </para>
/// <para>
/// Not thread-safe: one instance per user, used by one caller at a time (a grain's turn). The model it reads
/// from is shared and immutable. All buffers are allocated once, at construction; Append does not allocate.
/// Adaptor outputs are cached instead of content embeddings: they are a pure function of the content, so a
/// recomputation from them is identical to one from the content and skips the d_c × h adaptor.
/// </para>
/// </summary>
public sealed class UserTowerState
{
    private readonly PreferenceModel _model;
    private readonly int _hidden;
    private readonly int _capacity;
    private readonly float[] _adapted;
    private readonly float[] _keys;
    private readonly float[] _values;
    private readonly float[] _state;
    private readonly float[] _scratch;
    private readonly float[] _embedding;
    private int _count;

    internal UserTowerState(PreferenceModel model, int maxLength, int slack)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(slack);
        var config = model.Config;
        if (config.Positions == PositionEncoding.Learned && maxLength + slack > config.MaxLength)
        {
            throw new ArgumentOutOfRangeException(
                nameof(maxLength),
                $"With learned positions the window (maxLength {maxLength} + slack {slack}) cannot exceed the model's {config.MaxLength} position embeddings.");
        }

        _model = model;
        _hidden = config.Hidden;
        MaxLength = maxLength;
        Slack = slack;
        _capacity = maxLength + slack;
        _adapted = new float[_capacity * _hidden];
        _keys = new float[config.Layers * _capacity * _hidden];
        _values = new float[config.Layers * _capacity * _hidden];
        _state = new float[_hidden];
        _scratch = new float[model.ScratchLength(_capacity)];
        _embedding = new float[config.OutputDimension];
    }

    /// <summary>The model this state belongs to.</summary>
    public PreferenceModel Model => _model;

    /// <summary>The window length kept after a slide.</summary>
    public int MaxLength { get; }

    /// <summary>How far the window may grow past <see cref="MaxLength"/> before it slides.</summary>
    public int Slack { get; }

    /// <summary>Items in the current window (the newest ones appended).</summary>
    public int Count => _count;

    /// <summary>
    /// The current user embedding (length <see cref="PreferenceModel.OutputDimension"/>, L2-normalised);
    /// empty while <see cref="Count"/> is 0. Valid until the next call that changes this state.
    /// </summary>
    public ReadOnlySpan<float> Embedding => _count == 0 ? default : _embedding;

    /// <summary>Appends the newest item's content embedding and updates <see cref="Embedding"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="content"/> has the wrong length.</exception>
    public void Append(ReadOnlySpan<float> content) => Append(content, null);

    /// <summary>
    /// Appends the newest item, known by its token: its id embedding (when the model has one) joins the content.
    /// A null or unknown token appends the content alone.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="content"/> has the wrong length.</exception>
    public void Append(ReadOnlySpan<float> content, string? itemId)
    {
        PreferenceModel.RequireLength(content.Length, _model.ContentDimension, nameof(content));
        if (_count == _capacity)
        {
            var keep = MaxLength - 1;
            _adapted.AsSpan((_count - keep) * _hidden, keep * _hidden).CopyTo(_adapted);
            _count = 0;
            for (var i = 0; i < keep; i++)
            {
                Step(project: false);
            }
        }

        _model.Adapt(content, _model.IdRow(itemId), _adapted.AsSpan(_count * _hidden, _hidden));
        Step(project: true);
    }

    /// <summary>
    /// Replaces the state with the last <see cref="MaxLength"/> items of <paramref name="history"/> (oldest first),
    /// e.g. on grain activation. On an invalid item the state is left unchanged.
    /// </summary>
    /// <exception cref="ArgumentException">An item is null or has the wrong length.</exception>
    public void Rebuild(IEnumerable<float[]> history) => Rebuild(history, null);

    /// <summary>
    /// As <see cref="Rebuild(IEnumerable{float[]})"/> with the items' tokens (<paramref name="itemIds"/>[i] belongs to
    /// the i-th history item; null entries or a null list = no id term).
    /// </summary>
    /// <exception cref="ArgumentException">An item is null or has the wrong length, or the lists differ in length.</exception>
    public void Rebuild(IEnumerable<float[]> history, IReadOnlyList<string?>? itemIds)
    {
        ArgumentNullException.ThrowIfNull(history);
        var items = history as IReadOnlyList<float[]> ?? new List<float[]>(history);
        if (itemIds is not null && itemIds.Count != items.Count)
        {
            throw new ArgumentException($"{itemIds.Count} item ids for {items.Count} history items; expected one each.", nameof(itemIds));
        }

        var start = Math.Max(0, items.Count - MaxLength);
        for (var i = start; i < items.Count; i++)
        {
            if (items[i] is null)
            {
                throw new ArgumentException($"History item {i} is null.", nameof(history));
            }

            PreferenceModel.RequireLength(items[i].Length, _model.ContentDimension, nameof(history));
        }

        _count = 0;
        for (var i = start; i < items.Count; i++)
        {
            _model.Adapt(items[i], _model.IdRow(itemIds?[i]), _adapted.AsSpan(_count * _hidden, _hidden));
            Step(project: i == items.Count - 1);
        }
    }

    /// <summary>Empties the window.</summary>
    public void Clear() => _count = 0;

    private void Step(bool project)
    {
        _adapted.AsSpan(_count * _hidden, _hidden).CopyTo(_state);
        _model.Forward(_state, _count, _capacity, _keys, _values, _scratch);
        _count++;
        if (project)
        {
            _model.Project(_state, _embedding);
        }
    }
}

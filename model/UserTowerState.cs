using System.Buffers;

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
/// from is shared and immutable. The caches are allocated once, at construction; an Append that does not slide
/// allocates nothing, and a recomputation (a slide, <see cref="Rebuild(IEnumerable{float[]})"/>) borrows its block
/// buffers from <see cref="ArrayPool{T}.Shared"/>. Adaptor outputs are cached instead of content embeddings: they are a
/// pure function of the content, so a recomputation from them is identical to one from the content and skips the
/// d_c × h adaptor.
/// </para>
/// <para>
/// A recomputation runs a block of positions at a time through the model as one matrix product per linear layer,
/// and <see cref="UserTowerBatch"/> steps many states at once the same way; both give the same floats as appending
/// one item at a time, because every kernel computes each row exactly as the one-row kernel does.
/// </para>
/// </summary>
public sealed class UserTowerState
{
    /// <summary>Positions per block of a recomputation.</summary>
    private const int BlockRows = 32;

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
        _scratch = new float[model.ScratchLength(1, _capacity)];
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

    /// <summary>Positions the caches hold: <see cref="MaxLength"/> + <see cref="Slack"/>.</summary>
    internal int Capacity => _capacity;

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
        _model.Adapt(content, _model.IdRow(itemId), _state);
        var slot = BeginAppend(_state);
        _model.Forward(_state, new ReadOnlySpan<CacheSlot>(in slot), _scratch);
        _model.Project(_state, 1, _embedding);
        _count++;
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

        var length = items.Count - start;
        var contentDimension = _model.ContentDimension;
        var contents = ArrayPool<float>.Shared.Rent(Math.Min(length, BlockRows) * contentDimension);
        var idRows = ArrayPool<int>.Shared.Rent(Math.Min(length, BlockRows));
        try
        {
            for (var first = 0; first < length; first += BlockRows)
            {
                var rows = Math.Min(BlockRows, length - first);
                for (var r = 0; r < rows; r++)
                {
                    var i = start + first + r;
                    items[i].CopyTo(contents.AsSpan(r * contentDimension, contentDimension));
                    idRows[r] = _model.IdRow(itemIds?[i]);
                }

                _model.Adapt(contents.AsSpan(0, rows * contentDimension), idRows.AsSpan(0, rows), _adapted.AsSpan(first * _hidden, rows * _hidden));
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(idRows);
            ArrayPool<float>.Shared.Return(contents);
        }

        Recompute(length, project: length > 0);
    }

    /// <summary>Empties the window.</summary>
    public void Clear() => _count = 0;

    /// <summary>
    /// First half of an append whose adaptor output is <paramref name="adapted"/>: slides a full window, stores the row
    /// in the cache and returns where the forward pass of the new position keeps its keys and values.
    /// </summary>
    internal CacheSlot BeginAppend(ReadOnlySpan<float> adapted)
    {
        if (_count == _capacity)
        {
            var keep = MaxLength - 1;
            _adapted.AsSpan((_count - keep) * _hidden, keep * _hidden).CopyTo(_adapted);
            Recompute(keep, project: false);
        }

        adapted.CopyTo(_adapted.AsSpan(_count * _hidden, _hidden));
        return new CacheSlot(_keys, _values, _capacity, _count);
    }

    /// <summary>Second half of an append: the new position's embedding (already projected and normalised).</summary>
    internal void EndAppend(ReadOnlySpan<float> embedding)
    {
        embedding.CopyTo(_embedding);
        _count++;
    }

    /// <summary>
    /// Runs positions 0..<paramref name="length"/>−1 from the cached adaptor outputs, <see cref="BlockRows"/> at a time,
    /// refilling the key/value caches; projects the last one into <see cref="Embedding"/> when <paramref name="project"/>.
    /// </summary>
    private void Recompute(int length, bool project)
    {
        _count = 0;
        if (length == 0)
        {
            return;
        }

        var block = Math.Min(length, BlockRows);
        var x = ArrayPool<float>.Shared.Rent(block * _hidden);
        var scratch = ArrayPool<float>.Shared.Rent(_model.ScratchLength(block, _capacity));
        var slots = ArrayPool<CacheSlot>.Shared.Rent(block);
        try
        {
            var rows = 0;
            for (var first = 0; first < length; first += rows)
            {
                rows = Math.Min(BlockRows, length - first);
                _adapted.AsSpan(first * _hidden, rows * _hidden).CopyTo(x);
                for (var r = 0; r < rows; r++)
                {
                    slots[r] = new CacheSlot(_keys, _values, _capacity, first + r);
                }

                _model.Forward(x.AsSpan(0, rows * _hidden), slots.AsSpan(0, rows), scratch);
            }

            if (project)
            {
                _model.Project(x.AsSpan((rows - 1) * _hidden, _hidden), 1, _embedding);
            }
        }
        finally
        {
            // Cleared: a pooled slot must not keep this state's caches reachable.
            ArrayPool<CacheSlot>.Shared.Return(slots, clearArray: true);
            ArrayPool<float>.Shared.Return(scratch);
            ArrayPool<float>.Shared.Return(x);
        }

        _count = length;
    }
}

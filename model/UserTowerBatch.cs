namespace Actors.Model;

/// <summary>
/// Advances many users' <see cref="UserTowerState"/>s by one appended item each in one batched pass: the linear layers
/// (adaptor, attention in/out projections, feed-forward, projection) run as one [users × in]·Wᵀ matrix product per
/// layer, so each weight is read once per batch instead of once per user; attention runs per user against its own
/// key/value cache and position, layer norms and GELU per row. Afterwards every state is exactly what
/// <see cref="UserTowerState.Append(ReadOnlySpan{float}, string?)"/> of its item would have made it (the same floats:
/// every kernel computes each row as the one-row kernel does). A state whose window is full slides first, as
/// <c>Append</c> would, recomputing its kept positions.
/// <para>
/// Not thread-safe: reusable buffers, one instance per worker. The states must belong to <see cref="Model"/>, and the
/// batch never keeps a reference to a state after <see cref="Append"/> returns.
/// </para>
/// </summary>
public sealed class UserTowerBatch
{
    /// <summary>Users per pass; a longer list runs in consecutive passes of this many (bounds the buffers).</summary>
    public const int MaxRowsPerPass = 64;

    private readonly PreferenceModel _model;
    private readonly HashSet<UserTowerState> _seen = new(ReferenceEqualityComparer.Instance);
    private readonly float[] _contents;
    private readonly float[] _hidden;
    private readonly float[] _embeddings;
    private readonly int[] _idRows = new int[MaxRowsPerPass];
    private readonly CacheSlot[] _slots = new CacheSlot[MaxRowsPerPass];
    private float[] _scratch = [];

    /// <summary>A batch for states of <paramref name="model"/>.</summary>
    public UserTowerBatch(PreferenceModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        _contents = new float[MaxRowsPerPass * model.ContentDimension];
        _hidden = new float[MaxRowsPerPass * model.Config.Hidden];
        _embeddings = new float[MaxRowsPerPass * model.OutputDimension];
    }

    /// <summary>The model whose states this batch advances.</summary>
    public PreferenceModel Model => _model;

    /// <summary>
    /// Appends <paramref name="contents"/>[i] (with token <paramref name="itemIds"/>[i], when given) to
    /// <paramref name="states"/>[i] for every i, as one batched pass. Everything is validated before any state changes:
    /// on an exception no state has moved.
    /// </summary>
    /// <param name="states">Distinct states of <see cref="Model"/>; the same state twice is rejected (append its items
    /// in consecutive calls instead).</param>
    /// <param name="contents">One content embedding of length <see cref="PreferenceModel.ContentDimension"/> per state.</param>
    /// <param name="itemIds">One token (or null: no id term) per state; null = no id terms at all.</param>
    /// <exception cref="ArgumentException">The lists differ in length, a state or content is null, a content has the
    /// wrong length, a state belongs to another model, or a state appears twice.</exception>
    public void Append(IReadOnlyList<UserTowerState> states, IReadOnlyList<float[]> contents, IReadOnlyList<string?>? itemIds = null)
    {
        ArgumentNullException.ThrowIfNull(states);
        ArgumentNullException.ThrowIfNull(contents);
        Validate(states, contents, itemIds);
        for (var first = 0; first < states.Count; first += MaxRowsPerPass)
        {
            Pass(states, contents, itemIds, first, Math.Min(MaxRowsPerPass, states.Count - first));
        }
    }

    private void Validate(IReadOnlyList<UserTowerState> states, IReadOnlyList<float[]> contents, IReadOnlyList<string?>? itemIds)
    {
        if (contents.Count != states.Count)
        {
            throw new ArgumentException($"{contents.Count} contents for {states.Count} states; expected one each.", nameof(contents));
        }

        if (itemIds is not null && itemIds.Count != states.Count)
        {
            throw new ArgumentException($"{itemIds.Count} item ids for {states.Count} states; expected one each.", nameof(itemIds));
        }

        try
        {
            for (var i = 0; i < states.Count; i++)
            {
                var state = states[i] ?? throw new ArgumentException($"State {i} is null.", nameof(states));
                if (!ReferenceEquals(state.Model, _model))
                {
                    throw new ArgumentException(
                        $"State {i} belongs to model '{state.Model.Version}', not to this batch's model '{_model.Version}'.", nameof(states));
                }

                if (!_seen.Add(state))
                {
                    throw new ArgumentException(
                        $"State {i} appears earlier in the same batch; a batch advances each state by one item, so append its items in consecutive calls.",
                        nameof(states));
                }

                var content = contents[i] ?? throw new ArgumentException($"Content {i} is null.", nameof(contents));
                if (content.Length != _model.ContentDimension)
                {
                    throw new ArgumentException($"Content {i}: expected a vector of length {_model.ContentDimension}, got {content.Length}.", nameof(contents));
                }
            }
        }
        finally
        {
            _seen.Clear();
        }
    }

    private void Pass(IReadOnlyList<UserTowerState> states, IReadOnlyList<float[]> contents, IReadOnlyList<string?>? itemIds, int first, int rows)
    {
        var contentDimension = _model.ContentDimension;
        var h = _model.Config.Hidden;
        var d = _model.OutputDimension;
        var capacity = 0;
        for (var r = 0; r < rows; r++)
        {
            contents[first + r].CopyTo(_contents.AsSpan(r * contentDimension, contentDimension));
            _idRows[r] = _model.IdRow(itemIds?[first + r]);
            capacity = Math.Max(capacity, states[first + r].Capacity);
        }

        var scratchLength = _model.ScratchLength(rows, capacity);
        if (_scratch.Length < scratchLength)
        {
            _scratch = new float[_model.ScratchLength(MaxRowsPerPass, capacity)];
        }

        var hidden = _hidden.AsSpan(0, rows * h);
        _model.Adapt(_contents.AsSpan(0, rows * contentDimension), _idRows.AsSpan(0, rows), hidden);
        try
        {
            for (var r = 0; r < rows; r++)
            {
                _slots[r] = states[first + r].BeginAppend(hidden.Slice(r * h, h));
            }

            _model.Forward(hidden, _slots.AsSpan(0, rows), _scratch);
            _model.Project(hidden, rows, _embeddings);
            for (var r = 0; r < rows; r++)
            {
                states[first + r].EndAppend(_embeddings.AsSpan(r * d, d));
            }
        }
        finally
        {
            // The slots reference the states' caches; the batch must not keep them alive.
            Array.Clear(_slots, 0, rows);
        }
    }
}

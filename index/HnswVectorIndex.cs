using System.Buffers;
using System.IO.Hashing;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Actors.VectorIndex.Native;

namespace Actors.VectorIndex;

/// <summary>
/// Approximate maximum-inner-product search with an HNSW graph (USearch, native). Each key owns a row: its exact float
/// vector is kept in the row store, and the graph holds it under a label made of the row number and the row's write
/// count, fresh on every write; the graph may store the vector at lower precision (<see cref="HnswOptions.Quantization"/>).
/// A search asks the graph for at least <see cref="HnswOptions.CandidatesFor"/> candidates (plus the excluded keys
/// present, so they never crowd out the k answers) and ranks them by their exact dot products, so scores are the ones
/// exact search reports.
/// Two shapes that cut an HNSW graph into islands (a search from the entry point then reaches a handful of nodes) are
/// kept out of it. Updates and removals never remove from the graph, because USearch reuses a removed node for the next
/// insertion and rewires only its own edges: the superseded node stays, its label no longer matches its row, searches
/// skip it, and once superseded nodes reach half the live ones the graph is rebuilt from the rows. And at most
/// <see cref="MaxGraphCopies"/> nodes hold the same vector: more identical vectors would link only among themselves, so
/// further copies are searched exactly beside the graph.
/// Thread-safe: searches run concurrently with each other (and with the graph inserts of a bulk add); writes are
/// serialised and exclude searches only while they change the rows.
/// </summary>
public sealed class HnswVectorIndex : IVectorIndex
{
    /// <summary>Graph nodes allowed per distinct vector; further copies are searched exactly.</summary>
    public const int MaxGraphCopies = 4;

    // Rows live in blocks, so growing never copies the vectors already stored.
    private const int BlockShift = 14;
    private const int BlockRows = 1 << BlockShift;

    // Below this many, a bulk add inserts on the calling thread.
    private const int ParallelAddThreshold = 256;

    // A graph's first nodes are inserted one at a time. Concurrent inserts into a small graph miss each other and leave
    // nodes that no search reaches, more of them when the threads are preempted (a loaded CI machine); once the graph
    // has this many nodes, concurrent inserts rarely meet.
    private const int SerialSeed = 4096;

    // Superseded nodes tolerated before a rebuild, at least (and at least half the live keys).
    private const int RebuildMinimum = 1024;

    private readonly ReaderWriterLockSlim _lock = new();
    private readonly Lock _writes = new();
    private readonly Dictionary<string, int> _rowByKey = new(StringComparer.Ordinal);
    private readonly Stack<int> _freeRows = new();
    private readonly List<float[]> _blocks = [];

    // Graph nodes (live or superseded) per vector hash, and the rows kept out of the graph as surplus copies.
    private readonly Dictionary<ulong, int> _graphCopies = [];
    private readonly HashSet<int> _outside = [];
    private string?[] _keys = new string?[BlockRows];
    private ulong[] _labels = new ulong[BlockRows];
    private UsearchGraph _graph;
    private int _rows;
    private int _superseded;
    private bool _disposed;

    public HnswVectorIndex(int dimension, HnswOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        options ??= new HnswOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Connectivity, 2, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ExpansionAdd, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ExpansionSearch, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ExpansionPerK, nameof(options));
        Dimension = dimension;
        Options = options;
        _graph = new UsearchGraph(dimension, options);
    }

    public int Dimension { get; }

    public HnswOptions Options { get; }

    /// <summary>Native memory of the graph (vectors at their stored precision plus links), without the exact rows.</summary>
    public long GraphMemoryBytes => _graph.MemoryBytes;

    /// <summary>The SIMD kernels USearch uses for this precision on this CPU.</summary>
    public string Acceleration => _graph.Acceleration;

    public int Count
    {
        get
        {
            using var scope = _lock.Read();
            return _rowByKey.Count;
        }
    }

    public void Upsert(string key, ReadOnlySpan<float> vector)
    {
        VectorChecks.ThrowIfInvalid(key, vector, Dimension);
        lock (_writes)
        {
            using (_lock.Write())
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (Holds(key, vector))
                {
                    return;
                }
                _graph.EnsureRoomFor(1);
                var row = AssignRow(key);
                vector.CopyTo(Row(row));
                if (PlaceInGraph(row))
                {
                    _graph.Add(_labels[row], Row(row));
                }
            }
            RebuildIfWorn();
        }
    }

    /// <summary>
    /// Adds or replaces many keys at once (row <c>i</c> of <paramref name="vectors"/> for <c>keys[i]</c>; a key given twice
    /// keeps its last vector; a key stored with the same vector already is left alone): the rows change under one exclusive lock, then the graph inserts run on several threads
    /// while searches go on (the keys of the batch become searchable as they are inserted).
    /// </summary>
    public void UpsertMany(IReadOnlyList<string> keys, ReadOnlySpan<float> vectors)
    {
        VectorChecks.ThrowIfInvalidBatch(keys, vectors, Dimension);
        lock (_writes)
        {
            var positions = VectorChecks.LastOccurrences(keys);
            var inserts = new List<int>(positions.Count);
            using (_lock.Write())
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                _graph.EnsureRoomFor(positions.Count);
                foreach (var at in positions)
                {
                    if (Holds(keys[at], vectors.Slice(at * Dimension, Dimension)))
                    {
                        continue;
                    }
                    var row = AssignRow(keys[at]);
                    vectors.Slice(at * Dimension, Dimension).CopyTo(Row(row));
                    if (PlaceInGraph(row))
                    {
                        inserts.Add(row);
                    }
                }
            }
            // Only writers (serialised by _writes) change the rows, so the inserts read them without the lock.
            Insert(_graph, inserts);
            RebuildIfWorn();
        }
    }

    public bool Remove(string key)
    {
        lock (_writes)
        {
            using (_lock.Write())
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                if (!_rowByKey.Remove(key, out var row))
                {
                    return false;
                }
                if (!_outside.Remove(row))
                {
                    _superseded++;
                }
                _keys[row] = null;
                _freeRows.Push(row);
            }
            RebuildIfWorn();
            return true;
        }
    }

    public bool Contains(string key)
    {
        using var scope = _lock.Read();
        return _rowByKey.ContainsKey(key);
    }

    public float[]? GetVector(string key)
    {
        using var scope = _lock.Read();
        return _rowByKey.TryGetValue(key, out var row) ? Row(row).ToArray() : null;
    }

    public bool TryScore(string key, ReadOnlySpan<float> query, out float score)
    {
        using var scope = _lock.Read();
        if (query.Length != Dimension || !_rowByKey.TryGetValue(key, out var row))
        {
            score = 0;
            return false;
        }
        score = TensorPrimitives.Dot(query, Row(row));
        return true;
    }

    public string[] Keys()
    {
        using var scope = _lock.Read();
        return [.. _rowByKey.Keys];
    }

    public IReadOnlyList<KeyValuePair<string, float[]>> Snapshot()
    {
        using var scope = _lock.Read();
        var result = new List<KeyValuePair<string, float[]>>(_rowByKey.Count);
        foreach (var (key, row) in _rowByKey)
        {
            result.Add(new(key, Row(row).ToArray()));
        }
        return result;
    }

    public ScoredKey[] Search(ReadOnlySpan<float> query, int k, IReadOnlySet<string>? exclude = null) => Graph(query, k, exclude, null);

    /// <summary>
    /// The best <paramref name="k"/> keys that <paramref name="keep"/> accepts (none of <paramref name="exclude"/>): the
    /// graph is walked with the predicate (USearch's filtered search), so accepted keys are found however few of the
    /// nodes near the query pass; the answer may still be short when the beam runs out before k pass.
    /// </summary>
    public ScoredKey[] Search(ReadOnlySpan<float> query, int k, IReadOnlySet<string>? exclude, Func<string, bool> keep)
    {
        ArgumentNullException.ThrowIfNull(keep);
        return Graph(query, k, exclude, keep);
    }

    /// <summary>
    /// The graph's candidates, rescored exactly, with the rows outside the graph. Unfiltered, the beam is widened by the
    /// excluded keys it holds; filtered, the predicate and the exclusions are applied as the graph is walked.
    /// </summary>
    private ScoredKey[] Graph(ReadOnlySpan<float> query, int k, IReadOnlySet<string>? exclude, Func<string, bool>? keep)
    {
        VectorChecks.ThrowIfInvalidQuery(query, k, Dimension);
        using var scope = _lock.Read();
        ObjectDisposedException.ThrowIf(_disposed, this);
        var present = _rowByKey.Count;
        if (present == 0)
        {
            return [];
        }
        var excluded = 0;
        if (exclude is not null && keep is null)
        {
            foreach (var key in exclude)
            {
                excluded += _rowByKey.ContainsKey(key) ? 1 : 0;
            }
        }
        Func<ulong, bool>? accepts = keep is null ? null : label =>
        {
            var row = (int)(label & uint.MaxValue);
            return row < _labels.Length && _labels[row] == label && _keys[row] is { } key && (exclude is null || !exclude.Contains(key)) && keep(key);
        };
        var wanted = Math.Min(present + _superseded, Options.CandidatesFor(k) + excluded);
        var labels = ArrayPool<ulong>.Shared.Rent(wanted);
        var distances = ArrayPool<float>.Shared.Rent(wanted);
        try
        {
            var found = _graph.Search(query, labels.AsSpan(0, wanted), distances.AsSpan(0, wanted), accepts);
            var top = new TopK(k);
            for (var i = 0; i < found; i++)
            {
                var row = (int)(labels[i] & uint.MaxValue);
                if (_labels[row] == labels[i])
                {
                    Offer(top, row, query, exclude);
                }
            }
            foreach (var row in _outside)
            {
                if (keep is null || (_keys[row] is { } key && keep(key)))
                {
                    Offer(top, row, query, exclude);
                }
            }
            return top.ToArray();
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(labels);
            ArrayPool<float>.Shared.Return(distances);
        }
    }

    /// <summary>Frees the graph once the searches running have finished; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        lock (_writes)
        {
            using var scope = _lock.Write();
            if (!_disposed)
            {
                _disposed = true;
                _graph.Dispose();
            }
        }
    }

    /// <summary>True when <paramref name="key"/> is stored with exactly <paramref name="vector"/>: writing it again changes nothing.</summary>
    private bool Holds(string key, ReadOnlySpan<float> vector) =>
        _rowByKey.TryGetValue(key, out var row) && Row(row).SequenceEqual(vector);

    /// <summary>Ranks a live row by its exact dot product (the graph may hold it at lower precision).</summary>
    private void Offer(TopK top, int row, ReadOnlySpan<float> query, IReadOnlySet<string>? exclude)
    {
        var key = _keys[row];
        if (key is null || (exclude is not null && exclude.Contains(key)))
        {
            return;
        }
        var score = TensorPrimitives.Dot(query, Row(row));
        if (score >= top.Threshold)
        {
            top.Add(key, score);
        }
    }

    /// <summary>
    /// The row of <paramref name="key"/>, its own (its node in the graph superseded) or a fresh one, with a new label to
    /// insert it under: the row in the low 32 bits, the row's write count above. Under the write lock.
    /// </summary>
    private int AssignRow(string key)
    {
        if (_rowByKey.TryGetValue(key, out var row))
        {
            if (!_outside.Remove(row))
            {
                _superseded++;
            }
        }
        else
        {
            row = _freeRows.Count > 0 ? _freeRows.Pop() : _rows++;
            if (row >> BlockShift >= _blocks.Count)
            {
                _blocks.Add(new float[BlockRows * Dimension]);
            }
            if (row >= _keys.Length)
            {
                Array.Resize(ref _keys, _keys.Length * 2);
                Array.Resize(ref _labels, _keys.Length);
            }
            _keys[row] = key;
            _rowByKey[key] = row;
        }
        _labels[row] = (((_labels[row] >> 32) + 1) << 32) | (uint)row;
        return row;
    }

    /// <summary>True when the row's vector gets a graph node; false when enough nodes hold that vector already.</summary>
    private bool PlaceInGraph(int row)
    {
        var hash = XxHash3.HashToUInt64(MemoryMarshal.AsBytes<float>(Row(row)));
        var copies = _graphCopies.GetValueOrDefault(hash);
        if (copies >= MaxGraphCopies)
        {
            _outside.Add(row);
            return false;
        }
        _graphCopies[hash] = copies + 1;
        return true;
    }

    private void Insert(UsearchGraph graph, List<int> rows)
    {
        var serial = rows.Count < ParallelAddThreshold ? rows.Count : (int)Math.Clamp(SerialSeed - graph.Size, 0, rows.Count);
        for (var i = 0; i < serial; i++)
        {
            graph.Add(_labels[rows[i]], Row(rows[i]));
        }
        if (serial < rows.Count)
        {
            Parallel.For(serial, rows.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount },
                i => graph.Add(_labels[rows[i]], Row(rows[i])));
        }
    }

    /// <summary>
    /// Rebuilds the graph from the live rows once superseded nodes reach half the live keys, so they never take more than
    /// a third of the graph; amortised, each write pays for a constant number of inserts. Searches go on against the old
    /// graph while the new one is built, then switch. Holds <see cref="_writes"/>.
    /// </summary>
    private void RebuildIfWorn()
    {
        List<int> inserts;
        using (_lock.Read())
        {
            if (_disposed || _superseded < Math.Max(RebuildMinimum, _rowByKey.Count / 2))
            {
                return;
            }
            inserts = [.. _rowByKey.Values.Where(row => !_outside.Contains(row))];
        }
        var fresh = new UsearchGraph(Dimension, Options);
        try
        {
            fresh.EnsureRoomFor(inserts.Count);
            Insert(fresh, inserts);
        }
        catch
        {
            fresh.Dispose();
            throw;
        }
        UsearchGraph worn;
        using (_lock.Write())
        {
            worn = _graph;
            _graph = fresh;
            _superseded = 0;
            // The node counts now are the live rows' own (surplus copies stay outside).
            _graphCopies.Clear();
            foreach (var row in inserts)
            {
                var hash = XxHash3.HashToUInt64(MemoryMarshal.AsBytes<float>(Row(row)));
                _graphCopies[hash] = _graphCopies.GetValueOrDefault(hash) + 1;
            }
        }
        worn.Dispose();
    }

    private Span<float> Row(int row) => _blocks[row >> BlockShift].AsSpan((row & (BlockRows - 1)) * Dimension, Dimension);
}

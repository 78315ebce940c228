using System.Runtime.InteropServices;

namespace Actors.VectorIndex.Native;

/// <summary>
/// One USearch HNSW graph over 64-bit labels. Adds and searches may run concurrently (USearch locks per node), each on
/// one of <see cref="Threads"/> per-thread contexts reserved up front; <see cref="Reserve"/> and
/// <see cref="Dispose"/> must not overlap anything else (the caller's lock sees to that).
/// </summary>
internal sealed unsafe class UsearchGraph : IDisposable
{
    private readonly UsearchHandle _handle;
    private readonly uint _scalar;

    // USearch hands each call a free thread context and has no answer when none is left: never more calls at once.
    private readonly SemaphoreSlim _contexts;

    public UsearchGraph(int dimension, HnswOptions options)
    {
        _scalar = options.Quantization switch
        {
            VectorQuantization.F32 => UsearchNative.ScalarF32,
            VectorQuantization.F16 => UsearchNative.ScalarF16,
            VectorQuantization.I8 => UsearchNative.ScalarI8,
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Quantization, "Quantization must be F32, F16 or I8."),
        };
        var init = new UsearchNative.InitOptions
        {
            MetricKind = UsearchNative.MetricInnerProduct,
            Quantization = _scalar,
            Dimensions = (nuint)dimension,
            Connectivity = (nuint)options.Connectivity,
            ExpansionAdd = (nuint)options.ExpansionAdd,
            ExpansionSearch = (nuint)options.ExpansionSearch,
        };
        nint error = 0;
        _handle = UsearchNative.Init(ref init, ref error);
        UsearchNative.ThrowIf(error, "init");
        Threads = Math.Max(4, 2 * Environment.ProcessorCount);
        _contexts = new SemaphoreSlim(Threads, Threads);
        Reserve(1024);
    }

    /// <summary>Calls that may run at once.</summary>
    public int Threads { get; }

    /// <summary>Labels in the graph (removed ones excluded).</summary>
    public long Size
    {
        get
        {
            nint error = 0;
            var size = UsearchNative.Size(_handle, ref error);
            UsearchNative.ThrowIf(error, "size");
            return (long)size;
        }
    }

    /// <summary>Native memory the graph holds: vectors at their stored precision plus links.</summary>
    public long MemoryBytes
    {
        get
        {
            nint error = 0;
            var bytes = UsearchNative.MemoryUsage(_handle, ref error);
            UsearchNative.ThrowIf(error, "memory_usage");
            return (long)bytes;
        }
    }

    /// <summary>The SIMD kernels USearch chose for this CPU and precision.</summary>
    public string Acceleration
    {
        get
        {
            nint error = 0;
            var name = UsearchNative.HardwareAcceleration(_handle, ref error);
            return error == 0 ? System.Runtime.InteropServices.Marshal.PtrToStringUTF8(name) ?? "" : "";
        }
    }

    /// <summary>Makes room for <paramref name="additions"/> more labels (growing geometrically). Exclusive: nothing else may run.</summary>
    public void EnsureRoomFor(int additions)
    {
        nint error = 0;
        var capacity = (long)UsearchNative.Capacity(_handle, ref error);
        UsearchNative.ThrowIf(error, "capacity");
        var needed = Size + additions;
        if (needed > capacity)
        {
            Reserve(Math.Max(needed, capacity * 2));
        }
    }

    public void Add(ulong label, ReadOnlySpan<float> vector)
    {
        _contexts.Wait();
        try
        {
            nint error = 0;
            fixed (float* v = vector)
            {
                UsearchNative.Add(_handle, label, v, UsearchNative.ScalarF32, ref error);
            }
            UsearchNative.ThrowIf(error, "add");
        }
        finally
        {
            _contexts.Release();
        }
    }

    /// <summary>
    /// The <c>labels.Length</c> nearest labels to <paramref name="query"/>, nearest first, with their distances (1 − dot);
    /// the beam is at least that wide (USearch searches with max(ef, count)). Returns how many were found.
    /// </summary>
    public int Search(ReadOnlySpan<float> query, Span<ulong> labels, Span<float> distances) => Search(query, labels, distances, null);

    /// <summary>
    /// As <see cref="Search(ReadOnlySpan{float}, Span{ulong}, Span{float})"/>, with only the labels <paramref name="keep"/>
    /// accepts (null: every label): USearch calls it for the nodes it reaches, on this thread, and keeps walking until it
    /// has <c>labels.Length</c> accepted ones or the beam is exhausted.
    /// </summary>
    public int Search(ReadOnlySpan<float> query, Span<ulong> labels, Span<float> distances, Func<ulong, bool>? keep)
    {
        _contexts.Wait();
        try
        {
            nint error = 0;
            nuint found;
            fixed (float* q = query)
            fixed (ulong* l = labels)
            fixed (float* d = distances)
            {
                if (keep is null)
                {
                    found = UsearchNative.Search(_handle, q, UsearchNative.ScalarF32, (nuint)labels.Length, l, d, ref error);
                }
                else
                {
                    var state = GCHandle.Alloc(keep);
                    try
                    {
                        found = UsearchNative.FilteredSearch(_handle, q, UsearchNative.ScalarF32, (nuint)labels.Length, &Accepts, GCHandle.ToIntPtr(state), l, d, ref error);
                    }
                    finally
                    {
                        state.Free();
                    }
                }
            }
            UsearchNative.ThrowIf(error, "search");
            return (int)found;
        }
        finally
        {
            _contexts.Release();
        }
    }

    /// <summary>The filter USearch calls: the predicate behind <paramref name="state"/>. An exception must not cross into native code: it rejects.</summary>
    [UnmanagedCallersOnly]
    private static int Accepts(ulong label, nint state)
    {
        try
        {
            return ((Func<ulong, bool>)GCHandle.FromIntPtr(state).Target!)(label) ? 1 : 0;
        }
#pragma warning disable CA1031 // Nothing may be thrown back into USearch; a failing predicate keeps the item out.
        catch (Exception)
#pragma warning restore CA1031
        {
            return 0;
        }
    }

    public void Dispose()
    {
        _handle.Dispose();
        _contexts.Dispose();
    }

    private void Reserve(long capacity)
    {
        nint error = 0;
        UsearchNative.Reserve(_handle, (nuint)capacity, ref error);
        UsearchNative.ThrowIf(error, "reserve");
        // Reserving resets the thread contexts to the hardware's count; ask for ours again.
        UsearchNative.ChangeThreadsAdd(_handle, (nuint)Threads, ref error);
        UsearchNative.ThrowIf(error, "change_threads_add");
        UsearchNative.ChangeThreadsSearch(_handle, (nuint)Threads, ref error);
        UsearchNative.ThrowIf(error, "change_threads_search");
    }
}

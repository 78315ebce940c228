using System.Runtime.InteropServices;

namespace Actors.VectorIndex.Native;

/// <summary>
/// The C API of USearch (<c>usearch.h</c>), bound directly to the native library the Cloud.Unum.USearch package ships.
/// The package's managed wrapper hides <c>usearch_reserve</c> and <c>usearch_change_threads_*</c>, without which
/// concurrent adds and searches are unsafe, and copies every query; these few entry points are all the index needs.
/// Every function reports failure through <c>error</c> (a static C string, never freed), which the caller sets to zero:
/// the library writes it only on failure.
/// </summary>
internal static unsafe partial class UsearchNative
{
    private const string Library = "libusearch_c";

    /// <summary><c>usearch_metric_ip_k</c>: inner product, reported as the distance 1 − dot.</summary>
    public const uint MetricInnerProduct = 2;

    /// <summary><c>usearch_scalar_kind_t</c> values.</summary>
    public const uint ScalarF32 = 1;
    public const uint ScalarF16 = 3;
    public const uint ScalarI8 = 4;

    /// <summary><c>usearch_init_options_t</c>, field for field (C enums are 32-bit, <c>bool</c> one byte).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct InitOptions
    {
        public uint MetricKind;
        public nint Metric;
        public uint Quantization;
        public nuint Dimensions;
        public nuint Connectivity;
        public nuint ExpansionAdd;
        public nuint ExpansionSearch;
        public byte Multi;
    }

    [LibraryImport(Library, EntryPoint = "usearch_init")]
    public static partial UsearchHandle Init(ref InitOptions options, ref nint error);

    [LibraryImport(Library, EntryPoint = "usearch_free")]
    internal static partial void Free(nint index, ref nint error);

    [LibraryImport(Library, EntryPoint = "usearch_reserve")]
    public static partial void Reserve(UsearchHandle index, nuint capacity, ref nint error);

    [LibraryImport(Library, EntryPoint = "usearch_change_threads_add")]
    public static partial void ChangeThreadsAdd(UsearchHandle index, nuint threads, ref nint error);

    [LibraryImport(Library, EntryPoint = "usearch_change_threads_search")]
    public static partial void ChangeThreadsSearch(UsearchHandle index, nuint threads, ref nint error);

    [LibraryImport(Library, EntryPoint = "usearch_size")]
    public static partial nuint Size(UsearchHandle index, ref nint error);

    [LibraryImport(Library, EntryPoint = "usearch_capacity")]
    public static partial nuint Capacity(UsearchHandle index, ref nint error);

    [LibraryImport(Library, EntryPoint = "usearch_memory_usage")]
    public static partial nuint MemoryUsage(UsearchHandle index, ref nint error);

    [LibraryImport(Library, EntryPoint = "usearch_hardware_acceleration")]
    public static partial nint HardwareAcceleration(UsearchHandle index, ref nint error);

    [LibraryImport(Library, EntryPoint = "usearch_add")]
    public static partial void Add(UsearchHandle index, ulong key, float* vector, uint vectorKind, ref nint error);

    [LibraryImport(Library, EntryPoint = "usearch_search")]
    public static partial nuint Search(UsearchHandle index, float* query, uint queryKind, nuint count, ulong* keys, float* distances, ref nint error);

    /// <summary>
    /// As <see cref="Search"/>, keeping only the labels <paramref name="filter"/> accepts (non-zero) while it walks the
    /// graph, so the answer holds <paramref name="count"/> accepted labels when the walk reaches that many.
    /// </summary>
    [LibraryImport(Library, EntryPoint = "usearch_filtered_search")]
    public static partial nuint FilteredSearch(
        UsearchHandle index, float* query, uint queryKind, nuint count, delegate* unmanaged<ulong, nint, int> filter, nint filterState,
        ulong* keys, float* distances, ref nint error);

    /// <summary>Throws when a call reported an error.</summary>
    public static void ThrowIf(nint error, string operation)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"USearch {operation} failed: {Marshal.PtrToStringUTF8(error)}.");
        }
    }
}

/// <summary>An index made by <c>usearch_init</c>; freed once no call is using it (SafeHandle reference counting).</summary>
internal sealed class UsearchHandle() : Microsoft.Win32.SafeHandles.SafeHandleZeroOrMinusOneIsInvalid(ownsHandle: true)
{
    protected override bool ReleaseHandle()
    {
        nint error = 0;
        UsearchNative.Free(handle, ref error);
        return true;
    }
}

using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Actors.Model;

/// <summary>The kernels of <see cref="PackedLinear"/>.</summary>
internal enum LinearKernel
{
    /// <summary>Plain loops, no vectors.</summary>
    Scalar,

    /// <summary>AVX2-width vectors (or whatever accelerates 256 bits).</summary>
    Vector256,

    /// <summary>AVX-512-width vectors.</summary>
    Vector512,
}

/// <summary>
/// A PyTorch Linear (y = x Wᵀ + b, W row-major [out, in]) held in the layout its kernels read: Wᵀ cut into panels of
/// <see cref="PanelWidth"/> outputs, each panel [in, <see cref="PanelWidth"/>] row-major and the last one zero-padded,
/// so a kernel streams a panel front to back while it broadcasts inputs. Built once when the model is created; the
/// PyTorch tensor itself is kept unchanged for <see cref="PreferenceModel.Save"/> and <see cref="PreferenceModel.GetTensor"/>.
/// <para>
/// Every output is one multiply-add chain over the inputs in order, starting from its bias, whichever path of a kernel
/// computes it (one row, a block of four rows, or a zero-padded block holding the last one to three), so
/// <see cref="Apply(ReadOnlySpan{float}, int, Span{float})"/> over many rows gives each row exactly the result of the
/// one-row call: a batch of users, or a window of positions, matches stepping one at a time to the bit. The kernel is
/// the widest the hardware accelerates (<see cref="BestKernel"/>: 512-bit, 256-bit, else scalar); the tests check each
/// one this hardware has against a double-precision reference and the others.
/// </para>
/// Immutable and thread-safe.
/// </summary>
internal sealed partial class PackedLinear
{
    /// <summary>Outputs per panel: two 256-bit vectors, or one 512-bit vector.</summary>
    public const int PanelWidth = 16;

    /// <summary>
    /// Rows per block of the matrix kernels. Four rows × two 256-bit vectors (one panel), or × two 512-bit vectors
    /// (two panels), is eight independent FMA chains: enough to cover the FMA latency on both FMA ports.
    /// </summary>
    private const int BlockRows = 4;

    /// <summary>Panels per step of the 256-bit one-row kernel, also eight independent chains (the 512-bit one takes eight).</summary>
    private const int RowPanels = 4;

    /// <summary>Alignment of every panel row: one cache line, so no 512-bit load of the weights straddles two.</summary>
    private const int Alignment = 64;

    /// <summary>The panels, from <see cref="_offset"/> on (pinned, so the alignment holds).</summary>
    private readonly float[] _panels;
    private readonly int _offset;
    private readonly float[] _bias;
    private readonly int _panelCount;

    /// <summary>Packs <paramref name="weight"/> [<paramref name="outputs"/>, <paramref name="inputs"/>] and its bias.</summary>
    public PackedLinear(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int outputs, int inputs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        PreferenceModel.RequireLength(weight.Length, outputs * inputs, nameof(weight));
        PreferenceModel.RequireLength(bias.Length, outputs, nameof(bias));
        Outputs = outputs;
        Inputs = inputs;
        _panelCount = (outputs + PanelWidth - 1) / PanelWidth;
        // Pinned (the pinned-object heap never moves it) and started on a cache line: each panel row is 64 bytes, so
        // every row the kernels load is one line (misaligned, every 512-bit load straddles two and a one-row product,
        // which only streams weights, slows down markedly).
        var length = _panelCount * inputs * PanelWidth;
        _panels = GC.AllocateArray<float>(length + (Alignment / sizeof(float)), pinned: true);
        var misalignment = (int)(Marshal.UnsafeAddrOfPinnedArrayElement(_panels, 0) % Alignment);
        _offset = misalignment == 0 ? 0 : (Alignment - misalignment) / sizeof(float);
        _bias = new float[_panelCount * PanelWidth];
        bias.CopyTo(_bias);
        for (var o = 0; o < outputs; o++)
        {
            var panel = (o / PanelWidth) * inputs * PanelWidth;
            var lane = o % PanelWidth;
            var row = weight.Slice(o * inputs, inputs);
            for (var i = 0; i < inputs; i++)
            {
                _panels[_offset + panel + (i * PanelWidth) + lane] = row[i];
            }
        }
    }

    /// <summary>The first float of the first panel.</summary>
    private ref float PanelBase => ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_panels), _offset);

    /// <summary>Input length of one row.</summary>
    public int Inputs { get; }

    /// <summary>Output length of one row.</summary>
    public int Outputs { get; }

    /// <summary>y = W x + b for one vector: <paramref name="x"/> of length <see cref="Inputs"/>, <paramref name="y"/> of <see cref="Outputs"/>.</summary>
    public void Apply(ReadOnlySpan<float> x, Span<float> y) => Apply(x, 1, y);

    /// <summary>
    /// Y = X Wᵀ + b for <paramref name="rows"/> row-major rows: <paramref name="x"/> [rows, <see cref="Inputs"/>],
    /// <paramref name="y"/> [rows, <see cref="Outputs"/>] (each at least that long).
    /// </summary>
    public void Apply(ReadOnlySpan<float> x, int rows, Span<float> y) => Apply(x, rows, y, BestKernel);

    /// <summary>The widest kernel this hardware accelerates; <see cref="Apply(ReadOnlySpan{float}, int, Span{float})"/> uses it.</summary>
    public static LinearKernel BestKernel { get; } =
        Vector512.IsHardwareAccelerated ? LinearKernel.Vector512
        : Vector256.IsHardwareAccelerated ? LinearKernel.Vector256
        : LinearKernel.Scalar;

    /// <summary>As <see cref="Apply(ReadOnlySpan{float}, int, Span{float})"/> with a given kernel (the tests run each one this hardware has).</summary>
    public void Apply(ReadOnlySpan<float> x, int rows, Span<float> y, LinearKernel kernel)
    {
        Validate(x, rows, y);
        switch (kernel)
        {
            case LinearKernel.Vector512 when Vector512.IsHardwareAccelerated:
            case LinearKernel.Vector256 when Vector256.IsHardwareAccelerated:
                ApplyVectors(x, rows, y, kernel == LinearKernel.Vector512);
                break;
            case LinearKernel.Scalar:
                ApplyScalar(x, rows, y);
                break;
            default:
                throw new PlatformNotSupportedException($"The {kernel} kernel needs vectors this hardware does not accelerate.");
        }
    }

    /// <summary>The fallback: one output at a time, the same FMA chain per output as the vector kernels.</summary>
    private void ApplyScalar(ReadOnlySpan<float> x, int rows, Span<float> y)
    {
        for (var r = 0; r < rows; r++)
        {
            var input = x.Slice(r * Inputs, Inputs);
            var output = y.Slice(r * Outputs, Outputs);
            for (var o = 0; o < Outputs; o++)
            {
                var panel = _panels.AsSpan(_offset + ((o / PanelWidth) * Inputs * PanelWidth));
                var lane = o % PanelWidth;
                var sum = _bias[o];
                for (var i = 0; i < input.Length; i++)
                {
                    sum = float.MultiplyAddEstimate(panel[(i * PanelWidth) + lane], input[i], sum);
                }

                output[o] = sum;
            }
        }
    }

    /// <summary>
    /// One row: the one-row kernel (bound by reading the weights). More: blocks of four rows, the last 1–3 rows copied into
    /// a zero-padded block of four, so every row gets the matrix kernel (a padded row's outputs are dropped).
    /// </summary>
    private void ApplyVectors(ReadOnlySpan<float> x, int rows, Span<float> y, bool wide)
    {
        ref var xs = ref MemoryMarshal.GetReference(x);
        ref var ys = ref MemoryMarshal.GetReference(y);
        if (rows <= 1)
        {
            if (rows == 1 && wide)
            {
                OneRow512(ref xs, ref ys);
            }
            else if (rows == 1)
            {
                OneRow256(ref xs, ref ys);
            }

            return;
        }

        var blocks = rows / BlockRows;
        var tail = rows % BlockRows;
        if (tail == 0)
        {
            Blocks(ref xs, ref ys, blocks, ref xs, ref ys, tail: false, wide);
            return;
        }

        var tailX = ArrayPool<float>.Shared.Rent(BlockRows * Inputs);
        var tailY = ArrayPool<float>.Shared.Rent(BlockRows * Outputs);
        try
        {
            var padded = tailX.AsSpan(0, BlockRows * Inputs);
            x.Slice(blocks * BlockRows * Inputs, tail * Inputs).CopyTo(padded);
            padded[(tail * Inputs)..].Clear();
            Blocks(ref xs, ref ys, blocks, ref tailX[0], ref tailY[0], tail: true, wide);
            tailY.AsSpan(0, tail * Outputs).CopyTo(y[(blocks * BlockRows * Outputs)..]);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(tailY);
            ArrayPool<float>.Shared.Return(tailX);
        }
    }

    private void Blocks(ref float xs, ref float ys, int blocks, ref float tailX, ref float tailY, bool tail, bool wide)
    {
        if (wide)
        {
            Blocks512(ref xs, ref ys, blocks, ref tailX, ref tailY, tail);
        }
        else
        {
            Blocks256(ref xs, ref ys, blocks, ref tailX, ref tailY, tail);
        }
    }

    private void Validate(ReadOnlySpan<float> x, int rows, Span<float> y)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        if (x.Length < rows * Inputs || y.Length < rows * Outputs)
        {
            throw new ArgumentException(
                $"{rows} rows need an input of at least {rows * Inputs} and an output of at least {rows * Outputs} values; got {x.Length} and {y.Length}.");
        }
    }

    /// <summary>
    /// Copies the first <paramref name="valid"/> of every <paramref name="staging"/> row (rows of width
    /// <c>staging.Length / rows</c>) to <paramref name="rows"/> output rows <paramref name="stride"/> apart: the padded tail
    /// of the last panel is dropped.
    /// </summary>
    private static void CopyPartial(ReadOnlySpan<float> staging, int rows, ref float destination, int stride, int valid)
    {
        var width = staging.Length / rows;
        for (var r = 0; r < rows; r++)
        {
            staging.Slice(r * width, Math.Min(valid, width)).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref destination, r * stride), Math.Min(valid, width)));
        }
    }
}

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Actors.Model;

/// <summary>The 512-bit kernels (AVX-512): a panel row is one vector.</summary>
internal sealed partial class PackedLinear
{
    /// <summary>Panels per step of the 512-bit one-row kernel: eight independent chains.</summary>
    private const int RowPanels512 = 8;

    /// <summary>Inputs per slice of the 512-bit two-panel kernel (two panels' slice: 16 KiB, in L1 with the rows' inputs).</summary>
    private const int InputBlock = 128;

    /// <summary>Inputs per slice of the 512-bit four-panel kernel (16 KiB again).</summary>
    private const int InputBlock4 = 64;

    /// <summary>
    /// Blocks of four rows: <paramref name="blocks"/> of them from <paramref name="xs"/> / <paramref name="ys"/>, then, when
    /// <paramref name="tail"/>, one more from the padded copies <paramref name="tailX"/> / <paramref name="tailY"/>.
    /// </summary>
    private void Blocks512(ref float xs, ref float ys, int blocks, ref float tailX, ref float tailY, bool tail)
    {
        var all = blocks + (tail ? 1 : 0);
        var xStride = BlockRows * Inputs;
        var yStride = BlockRows * Outputs;

        // Four whole panels outermost (then two, then one) while every block of four rows streams past them, a slice of
        // the inputs at a time so the panels' slice (16 KiB) stays in L1. A slice resumes each output's chain from the
        // partial sum the previous one stored, so the chain is the one-row kernel's.
        var p = 0;
        for (; p + 4 <= _panelCount && Outputs - (p * PanelWidth) >= 4 * PanelWidth; p += 4)
        {
            for (var first = 0; first < Inputs; first += InputBlock4)
            {
                var end = Math.Min(Inputs, first + InputBlock4);
                for (var b = 0; b < all; b++)
                {
                    ref var x = ref b < blocks ? ref Unsafe.Add(ref xs, b * xStride) : ref tailX;
                    ref var y = ref b < blocks ? ref Unsafe.Add(ref ys, b * yStride) : ref tailY;
                    FourRowsFourPanels512(ref x, ref y, p, first, end);
                }
            }
        }

        for (; p + 2 <= _panelCount; p += 2)
        {
            // A partial pair (the padded last panel) runs its inputs in one slice: it has no whole rows to resume from.
            var slice = Outputs - (p * PanelWidth) >= 2 * PanelWidth ? InputBlock : Inputs;
            for (var first = 0; first < Inputs; first += slice)
            {
                var end = Math.Min(Inputs, first + slice);
                for (var b = 0; b < all; b++)
                {
                    ref var x = ref b < blocks ? ref Unsafe.Add(ref xs, b * xStride) : ref tailX;
                    ref var y = ref b < blocks ? ref Unsafe.Add(ref ys, b * yStride) : ref tailY;
                    FourRowsTwoPanels512(ref x, ref y, p, first, end);
                }
            }
        }

        if (p < _panelCount)
        {
            for (var b = 0; b < all; b++)
            {
                ref var x = ref b < blocks ? ref Unsafe.Add(ref xs, b * xStride) : ref tailX;
                ref var y = ref b < blocks ? ref Unsafe.Add(ref ys, b * yStride) : ref tailY;
                FourRowsOnePanel512(ref x, ref y, p);
            }
        }
    }

    /// <summary>
    /// Four rows × four whole panels <paramref name="p"/>..p + 3 over inputs [<paramref name="first"/>, <paramref name="end"/>):
    /// sixteen chains (FMA-bound, not latency-bound), starting from the bias at input 0, else from the partial sums in
    /// <paramref name="y"/>.
    /// </summary>
    private void FourRowsFourPanels512(ref float x, ref float y, int p, int first, int end)
    {
        var inputs = Inputs;
        var outputs = (nuint)Outputs;
        var panelLength = (nuint)(inputs * PanelWidth);
        ref var panel = ref Unsafe.Add(ref PanelBase, (nuint)p * panelLength);
        ref var x1 = ref Unsafe.Add(ref x, inputs);
        ref var x2 = ref Unsafe.Add(ref x, 2 * inputs);
        ref var x3 = ref Unsafe.Add(ref x, 3 * inputs);
        ref var y0 = ref Unsafe.Add(ref y, p * PanelWidth);
        ref var source = ref first == 0 ? ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_bias), p * PanelWidth) : ref y0;
        var stride = first == 0 ? 0 : outputs;
        var a00 = Vector512.LoadUnsafe(ref source);
        var a01 = Vector512.LoadUnsafe(ref source, 16);
        var a02 = Vector512.LoadUnsafe(ref source, 32);
        var a03 = Vector512.LoadUnsafe(ref source, 48);
        var a10 = Vector512.LoadUnsafe(ref source, stride);
        var a11 = Vector512.LoadUnsafe(ref source, stride + 16);
        var a12 = Vector512.LoadUnsafe(ref source, stride + 32);
        var a13 = Vector512.LoadUnsafe(ref source, stride + 48);
        var a20 = Vector512.LoadUnsafe(ref source, 2 * stride);
        var a21 = Vector512.LoadUnsafe(ref source, (2 * stride) + 16);
        var a22 = Vector512.LoadUnsafe(ref source, (2 * stride) + 32);
        var a23 = Vector512.LoadUnsafe(ref source, (2 * stride) + 48);
        var a30 = Vector512.LoadUnsafe(ref source, 3 * stride);
        var a31 = Vector512.LoadUnsafe(ref source, (3 * stride) + 16);
        var a32 = Vector512.LoadUnsafe(ref source, (3 * stride) + 32);
        var a33 = Vector512.LoadUnsafe(ref source, (3 * stride) + 48);
        for (var i = first; i < end; i++)
        {
            var offset = (nuint)(i * PanelWidth);
            var w0 = Vector512.LoadUnsafe(ref panel, offset);
            var w1 = Vector512.LoadUnsafe(ref panel, panelLength + offset);
            var w2 = Vector512.LoadUnsafe(ref panel, (2 * panelLength) + offset);
            var w3 = Vector512.LoadUnsafe(ref panel, (3 * panelLength) + offset);
            var v = Vector512.Create(Unsafe.Add(ref x, i));
            a00 = Vector512.MultiplyAddEstimate(w0, v, a00);
            a01 = Vector512.MultiplyAddEstimate(w1, v, a01);
            a02 = Vector512.MultiplyAddEstimate(w2, v, a02);
            a03 = Vector512.MultiplyAddEstimate(w3, v, a03);
            v = Vector512.Create(Unsafe.Add(ref x1, i));
            a10 = Vector512.MultiplyAddEstimate(w0, v, a10);
            a11 = Vector512.MultiplyAddEstimate(w1, v, a11);
            a12 = Vector512.MultiplyAddEstimate(w2, v, a12);
            a13 = Vector512.MultiplyAddEstimate(w3, v, a13);
            v = Vector512.Create(Unsafe.Add(ref x2, i));
            a20 = Vector512.MultiplyAddEstimate(w0, v, a20);
            a21 = Vector512.MultiplyAddEstimate(w1, v, a21);
            a22 = Vector512.MultiplyAddEstimate(w2, v, a22);
            a23 = Vector512.MultiplyAddEstimate(w3, v, a23);
            v = Vector512.Create(Unsafe.Add(ref x3, i));
            a30 = Vector512.MultiplyAddEstimate(w0, v, a30);
            a31 = Vector512.MultiplyAddEstimate(w1, v, a31);
            a32 = Vector512.MultiplyAddEstimate(w2, v, a32);
            a33 = Vector512.MultiplyAddEstimate(w3, v, a33);
        }

        a00.StoreUnsafe(ref y0);
        a01.StoreUnsafe(ref y0, 16);
        a02.StoreUnsafe(ref y0, 32);
        a03.StoreUnsafe(ref y0, 48);
        a10.StoreUnsafe(ref y0, outputs);
        a11.StoreUnsafe(ref y0, outputs + 16);
        a12.StoreUnsafe(ref y0, outputs + 32);
        a13.StoreUnsafe(ref y0, outputs + 48);
        a20.StoreUnsafe(ref y0, 2 * outputs);
        a21.StoreUnsafe(ref y0, (2 * outputs) + 16);
        a22.StoreUnsafe(ref y0, (2 * outputs) + 32);
        a23.StoreUnsafe(ref y0, (2 * outputs) + 48);
        a30.StoreUnsafe(ref y0, 3 * outputs);
        a31.StoreUnsafe(ref y0, (3 * outputs) + 16);
        a32.StoreUnsafe(ref y0, (3 * outputs) + 32);
        a33.StoreUnsafe(ref y0, (3 * outputs) + 48);
    }

    /// <summary>
    /// Four rows × panels <paramref name="p"/> and p + 1 over inputs [<paramref name="first"/>, <paramref name="end"/>):
    /// the chains start from the bias at input 0, else from the partial sums in <paramref name="y"/> (whole pairs only).
    /// </summary>
    private void FourRowsTwoPanels512(ref float x, ref float y, int p, int first, int end)
    {
        var inputs = Inputs;
        var outputs = Outputs;
        var start = p * PanelWidth;
        var panelLength = inputs * PanelWidth;
        ref var panel = ref Unsafe.Add(ref PanelBase, p * panelLength);
        ref var x1 = ref Unsafe.Add(ref x, inputs);
        ref var x2 = ref Unsafe.Add(ref x, 2 * inputs);
        ref var x3 = ref Unsafe.Add(ref x, 3 * inputs);
        Vector512<float> a00, a01, a10, a11, a20, a21, a30, a31;
        if (first == 0)
        {
            ref var bias = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_bias), start);
            a00 = Vector512.LoadUnsafe(ref bias);
            a01 = Vector512.LoadUnsafe(ref bias, PanelWidth);
            (a10, a11, a20, a21, a30, a31) = (a00, a01, a00, a01, a00, a01);
        }
        else
        {
            ref var y0 = ref Unsafe.Add(ref y, start);
            a00 = Vector512.LoadUnsafe(ref y0);
            a01 = Vector512.LoadUnsafe(ref y0, PanelWidth);
            a10 = Vector512.LoadUnsafe(ref y0, (nuint)outputs);
            a11 = Vector512.LoadUnsafe(ref y0, (nuint)outputs + PanelWidth);
            a20 = Vector512.LoadUnsafe(ref y0, (nuint)(2 * outputs));
            a21 = Vector512.LoadUnsafe(ref y0, (nuint)(2 * outputs) + PanelWidth);
            a30 = Vector512.LoadUnsafe(ref y0, (nuint)(3 * outputs));
            a31 = Vector512.LoadUnsafe(ref y0, (nuint)(3 * outputs) + PanelWidth);
        }

        var next = (nuint)panelLength;
        for (var i = first; i < end; i++)
        {
            var offset = (nuint)(i * PanelWidth);
            var w0 = Vector512.LoadUnsafe(ref panel, offset);
            var w1 = Vector512.LoadUnsafe(ref panel, next + offset);
            var v0 = Vector512.Create(Unsafe.Add(ref x, i));
            var v1 = Vector512.Create(Unsafe.Add(ref x1, i));
            var v2 = Vector512.Create(Unsafe.Add(ref x2, i));
            var v3 = Vector512.Create(Unsafe.Add(ref x3, i));
            a00 = Vector512.MultiplyAddEstimate(w0, v0, a00);
            a01 = Vector512.MultiplyAddEstimate(w1, v0, a01);
            a10 = Vector512.MultiplyAddEstimate(w0, v1, a10);
            a11 = Vector512.MultiplyAddEstimate(w1, v1, a11);
            a20 = Vector512.MultiplyAddEstimate(w0, v2, a20);
            a21 = Vector512.MultiplyAddEstimate(w1, v2, a21);
            a30 = Vector512.MultiplyAddEstimate(w0, v3, a30);
            a31 = Vector512.MultiplyAddEstimate(w1, v3, a31);
        }

        // No call may follow the loop while accumulators are live, or the JIT spills them inside it.
        if (outputs - start >= 2 * PanelWidth)
        {
            ref var y0 = ref Unsafe.Add(ref y, start);
            a00.StoreUnsafe(ref y0);
            a01.StoreUnsafe(ref y0, PanelWidth);
            a10.StoreUnsafe(ref y0, (nuint)outputs);
            a11.StoreUnsafe(ref y0, (nuint)outputs + PanelWidth);
            a20.StoreUnsafe(ref y0, (nuint)(2 * outputs));
            a21.StoreUnsafe(ref y0, (nuint)(2 * outputs) + PanelWidth);
            a30.StoreUnsafe(ref y0, (nuint)(3 * outputs));
            a31.StoreUnsafe(ref y0, (nuint)(3 * outputs) + PanelWidth);
            return;
        }

        Span<float> staging = stackalloc float[BlockRows * 2 * PanelWidth];
        ref var s0 = ref MemoryMarshal.GetReference(staging);
        a00.StoreUnsafe(ref s0);
        a01.StoreUnsafe(ref s0, 16);
        a10.StoreUnsafe(ref s0, 32);
        a11.StoreUnsafe(ref s0, 48);
        a20.StoreUnsafe(ref s0, 64);
        a21.StoreUnsafe(ref s0, 80);
        a30.StoreUnsafe(ref s0, 96);
        a31.StoreUnsafe(ref s0, 112);
        CopyPartial(staging, BlockRows, ref Unsafe.Add(ref y, start), outputs, outputs - start);
    }

    private void FourRowsOnePanel512(ref float x, ref float y, int p)
    {
        var inputs = Inputs;
        ref var panel = ref Unsafe.Add(ref PanelBase, p * inputs * PanelWidth);
        ref var x1 = ref Unsafe.Add(ref x, inputs);
        ref var x2 = ref Unsafe.Add(ref x, 2 * inputs);
        ref var x3 = ref Unsafe.Add(ref x, 3 * inputs);
        var a0 = Vector512.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(_bias), (nuint)(p * PanelWidth));
        var (a1, a2, a3) = (a0, a0, a0);
        for (var i = 0; i < inputs; i++)
        {
            var w = Vector512.LoadUnsafe(ref panel, (nuint)(i * PanelWidth));
            a0 = Vector512.MultiplyAddEstimate(w, Vector512.Create(Unsafe.Add(ref x, i)), a0);
            a1 = Vector512.MultiplyAddEstimate(w, Vector512.Create(Unsafe.Add(ref x1, i)), a1);
            a2 = Vector512.MultiplyAddEstimate(w, Vector512.Create(Unsafe.Add(ref x2, i)), a2);
            a3 = Vector512.MultiplyAddEstimate(w, Vector512.Create(Unsafe.Add(ref x3, i)), a3);
        }

        var outputs = Outputs;
        var start = p * PanelWidth;
        if (outputs - start >= PanelWidth)
        {
            ref var y0 = ref Unsafe.Add(ref y, start);
            a0.StoreUnsafe(ref y0);
            a1.StoreUnsafe(ref y0, (nuint)outputs);
            a2.StoreUnsafe(ref y0, (nuint)(2 * outputs));
            a3.StoreUnsafe(ref y0, (nuint)(3 * outputs));
            return;
        }

        Span<float> staging = stackalloc float[BlockRows * PanelWidth];
        ref var s0 = ref MemoryMarshal.GetReference(staging);
        a0.StoreUnsafe(ref s0);
        a1.StoreUnsafe(ref s0, 16);
        a2.StoreUnsafe(ref s0, 32);
        a3.StoreUnsafe(ref s0, 48);
        CopyPartial(staging, BlockRows, ref Unsafe.Add(ref y, start), outputs, outputs - start);
    }

    private void OneRow512(ref float x, ref float y)
    {
        var inputs = Inputs;
        var panelLength = (nuint)(inputs * PanelWidth);
        ref var panels = ref PanelBase;
        ref var bias = ref MemoryMarshal.GetArrayDataReference(_bias);
        Span<float> staging = stackalloc float[RowPanels512 * PanelWidth];
        var p = 0;
        for (; p + RowPanels512 <= _panelCount; p += RowPanels512)
        {
            ref var w = ref Unsafe.Add(ref panels, (nuint)p * panelLength);
            ref var b = ref Unsafe.Add(ref bias, p * PanelWidth);
            var a0 = Vector512.LoadUnsafe(ref b);
            var a1 = Vector512.LoadUnsafe(ref b, 16);
            var a2 = Vector512.LoadUnsafe(ref b, 32);
            var a3 = Vector512.LoadUnsafe(ref b, 48);
            var a4 = Vector512.LoadUnsafe(ref b, 64);
            var a5 = Vector512.LoadUnsafe(ref b, 80);
            var a6 = Vector512.LoadUnsafe(ref b, 96);
            var a7 = Vector512.LoadUnsafe(ref b, 112);
            for (var i = 0; i < inputs; i++)
            {
                var offset = (nuint)(i * PanelWidth);
                var v = Vector512.Create(Unsafe.Add(ref x, i));
                a0 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref w, offset), v, a0);
                a1 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref w, panelLength + offset), v, a1);
                a2 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref w, (2 * panelLength) + offset), v, a2);
                a3 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref w, (3 * panelLength) + offset), v, a3);
                a4 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref w, (4 * panelLength) + offset), v, a4);
                a5 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref w, (5 * panelLength) + offset), v, a5);
                a6 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref w, (6 * panelLength) + offset), v, a6);
                a7 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref w, (7 * panelLength) + offset), v, a7);
            }

            var start = p * PanelWidth;
            if (Outputs - start >= RowPanels512 * PanelWidth)
            {
                ref var y0 = ref Unsafe.Add(ref y, start);
                a0.StoreUnsafe(ref y0);
                a1.StoreUnsafe(ref y0, 16);
                a2.StoreUnsafe(ref y0, 32);
                a3.StoreUnsafe(ref y0, 48);
                a4.StoreUnsafe(ref y0, 64);
                a5.StoreUnsafe(ref y0, 80);
                a6.StoreUnsafe(ref y0, 96);
                a7.StoreUnsafe(ref y0, 112);
            }
            else
            {
                ref var s0 = ref MemoryMarshal.GetReference(staging);
                a0.StoreUnsafe(ref s0);
                a1.StoreUnsafe(ref s0, 16);
                a2.StoreUnsafe(ref s0, 32);
                a3.StoreUnsafe(ref s0, 48);
                a4.StoreUnsafe(ref s0, 64);
                a5.StoreUnsafe(ref s0, 80);
                a6.StoreUnsafe(ref s0, 96);
                a7.StoreUnsafe(ref s0, 112);
                CopyPartial(staging, 1, ref Unsafe.Add(ref y, start), Outputs, Outputs - start);
            }
        }

        // Fewer than eight panels left: four at a time (four chains), then one.
        for (; p + 4 <= _panelCount; p += 4)
        {
            ref var w = ref Unsafe.Add(ref panels, (nuint)p * panelLength);
            ref var b = ref Unsafe.Add(ref bias, p * PanelWidth);
            var a0 = Vector512.LoadUnsafe(ref b);
            var a1 = Vector512.LoadUnsafe(ref b, 16);
            var a2 = Vector512.LoadUnsafe(ref b, 32);
            var a3 = Vector512.LoadUnsafe(ref b, 48);
            for (var i = 0; i < inputs; i++)
            {
                var offset = (nuint)(i * PanelWidth);
                var v = Vector512.Create(Unsafe.Add(ref x, i));
                a0 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref w, offset), v, a0);
                a1 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref w, panelLength + offset), v, a1);
                a2 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref w, (2 * panelLength) + offset), v, a2);
                a3 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref w, (3 * panelLength) + offset), v, a3);
            }

            var start = p * PanelWidth;
            if (Outputs - start >= 4 * PanelWidth)
            {
                ref var y0 = ref Unsafe.Add(ref y, start);
                a0.StoreUnsafe(ref y0);
                a1.StoreUnsafe(ref y0, 16);
                a2.StoreUnsafe(ref y0, 32);
                a3.StoreUnsafe(ref y0, 48);
            }
            else
            {
                ref var s0 = ref MemoryMarshal.GetReference(staging);
                a0.StoreUnsafe(ref s0);
                a1.StoreUnsafe(ref s0, 16);
                a2.StoreUnsafe(ref s0, 32);
                a3.StoreUnsafe(ref s0, 48);
                CopyPartial(staging[..(4 * PanelWidth)], 1, ref Unsafe.Add(ref y, start), Outputs, Outputs - start);
            }
        }

        for (; p < _panelCount; p++)
        {
            ref var w = ref Unsafe.Add(ref panels, (nuint)p * panelLength);
            var a0 = Vector512.LoadUnsafe(ref bias, (nuint)(p * PanelWidth));
            for (var i = 0; i < inputs; i++)
            {
                a0 = Vector512.MultiplyAddEstimate(Vector512.LoadUnsafe(ref w, (nuint)(i * PanelWidth)), Vector512.Create(Unsafe.Add(ref x, i)), a0);
            }

            var start = p * PanelWidth;
            if (Outputs - start >= PanelWidth)
            {
                a0.StoreUnsafe(ref Unsafe.Add(ref y, start));
            }
            else
            {
                a0.StoreUnsafe(ref MemoryMarshal.GetReference(staging));
                CopyPartial(staging[..PanelWidth], 1, ref Unsafe.Add(ref y, start), Outputs, Outputs - start);
            }
        }
    }
}

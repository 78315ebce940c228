using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Actors.Model;

/// <summary>The 256-bit kernels (AVX2 + FMA): a panel row is two vectors.</summary>
internal sealed partial class PackedLinear
{
    /// <summary>As <see cref="Blocks512"/>: one panel outermost (in × 16 floats, in L1) while every block of rows streams past it.</summary>
    private void Blocks256(ref float xs, ref float ys, int blocks, ref float tailX, ref float tailY, bool tail)
    {
        var all = blocks + (tail ? 1 : 0);
        for (var p = 0; p < _panelCount; p++)
        {
            for (var b = 0; b < all; b++)
            {
                ref var x = ref b < blocks ? ref Unsafe.Add(ref xs, b * BlockRows * Inputs) : ref tailX;
                ref var y = ref b < blocks ? ref Unsafe.Add(ref ys, b * BlockRows * Outputs) : ref tailY;
                FourRowsOnePanel256(ref x, ref y, p);
            }
        }
    }

    private void FourRowsOnePanel256(ref float x, ref float y, int p)
    {
        var inputs = Inputs;
        ref var panel = ref Unsafe.Add(ref PanelBase, p * inputs * PanelWidth);
        ref var bias = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(_bias), p * PanelWidth);
        ref var x1 = ref Unsafe.Add(ref x, inputs);
        ref var x2 = ref Unsafe.Add(ref x, 2 * inputs);
        ref var x3 = ref Unsafe.Add(ref x, 3 * inputs);
        var a00 = Vector256.LoadUnsafe(ref bias);
        var a01 = Vector256.LoadUnsafe(ref bias, 8);
        var (a10, a11, a20, a21, a30, a31) = (a00, a01, a00, a01, a00, a01);
        for (var i = 0; i < inputs; i++)
        {
            var offset = (nuint)(i * PanelWidth);
            var w0 = Vector256.LoadUnsafe(ref panel, offset);
            var w1 = Vector256.LoadUnsafe(ref panel, offset + 8);
            var v0 = Vector256.Create(Unsafe.Add(ref x, i));
            var v1 = Vector256.Create(Unsafe.Add(ref x1, i));
            var v2 = Vector256.Create(Unsafe.Add(ref x2, i));
            var v3 = Vector256.Create(Unsafe.Add(ref x3, i));
            a00 = Vector256.MultiplyAddEstimate(w0, v0, a00);
            a01 = Vector256.MultiplyAddEstimate(w1, v0, a01);
            a10 = Vector256.MultiplyAddEstimate(w0, v1, a10);
            a11 = Vector256.MultiplyAddEstimate(w1, v1, a11);
            a20 = Vector256.MultiplyAddEstimate(w0, v2, a20);
            a21 = Vector256.MultiplyAddEstimate(w1, v2, a21);
            a30 = Vector256.MultiplyAddEstimate(w0, v3, a30);
            a31 = Vector256.MultiplyAddEstimate(w1, v3, a31);
        }

        // No call may follow the loop while accumulators are live, or the JIT spills them inside it.
        var outputs = Outputs;
        var start = p * PanelWidth;
        if (outputs - start >= PanelWidth)
        {
            ref var y0 = ref Unsafe.Add(ref y, start);
            a00.StoreUnsafe(ref y0);
            a01.StoreUnsafe(ref y0, 8);
            a10.StoreUnsafe(ref y0, (nuint)outputs);
            a11.StoreUnsafe(ref y0, (nuint)outputs + 8);
            a20.StoreUnsafe(ref y0, (nuint)(2 * outputs));
            a21.StoreUnsafe(ref y0, (nuint)(2 * outputs) + 8);
            a30.StoreUnsafe(ref y0, (nuint)(3 * outputs));
            a31.StoreUnsafe(ref y0, (nuint)(3 * outputs) + 8);
            return;
        }

        Span<float> staging = stackalloc float[BlockRows * PanelWidth];
        ref var s0 = ref MemoryMarshal.GetReference(staging);
        a00.StoreUnsafe(ref s0);
        a01.StoreUnsafe(ref s0, 8);
        a10.StoreUnsafe(ref s0, 16);
        a11.StoreUnsafe(ref s0, 24);
        a20.StoreUnsafe(ref s0, 32);
        a21.StoreUnsafe(ref s0, 40);
        a30.StoreUnsafe(ref s0, 48);
        a31.StoreUnsafe(ref s0, 56);
        CopyPartial(staging, BlockRows, ref Unsafe.Add(ref y, start), outputs, outputs - start);
    }

    private void OneRow256(ref float x, ref float y)
    {
        var inputs = Inputs;
        var panelLength = inputs * PanelWidth;
        ref var panels = ref PanelBase;
        ref var bias = ref MemoryMarshal.GetArrayDataReference(_bias);
        Span<float> staging = stackalloc float[RowPanels * PanelWidth];
        var p = 0;
        for (; p + RowPanels <= _panelCount; p += RowPanels)
        {
            ref var w = ref Unsafe.Add(ref panels, p * panelLength);
            ref var b = ref Unsafe.Add(ref bias, p * PanelWidth);
            var a0 = Vector256.LoadUnsafe(ref b);
            var a1 = Vector256.LoadUnsafe(ref b, 8);
            var a2 = Vector256.LoadUnsafe(ref b, 16);
            var a3 = Vector256.LoadUnsafe(ref b, 24);
            var a4 = Vector256.LoadUnsafe(ref b, 32);
            var a5 = Vector256.LoadUnsafe(ref b, 40);
            var a6 = Vector256.LoadUnsafe(ref b, 48);
            var a7 = Vector256.LoadUnsafe(ref b, 56);
            var second = (nuint)panelLength;
            var third = 2 * second;
            var fourth = 3 * second;
            for (var i = 0; i < inputs; i++)
            {
                var offset = (nuint)(i * PanelWidth);
                var v = Vector256.Create(Unsafe.Add(ref x, i));
                a0 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref w, offset), v, a0);
                a1 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref w, offset + 8), v, a1);
                a2 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref w, second + offset), v, a2);
                a3 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref w, second + offset + 8), v, a3);
                a4 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref w, third + offset), v, a4);
                a5 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref w, third + offset + 8), v, a5);
                a6 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref w, fourth + offset), v, a6);
                a7 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref w, fourth + offset + 8), v, a7);
            }

            // Four whole panels: every RowPanels group but a partial last one ends inside the row.
            if (Outputs - (p * PanelWidth) >= RowPanels * PanelWidth)
            {
                ref var y0 = ref Unsafe.Add(ref y, p * PanelWidth);
                a0.StoreUnsafe(ref y0);
                a1.StoreUnsafe(ref y0, 8);
                a2.StoreUnsafe(ref y0, 16);
                a3.StoreUnsafe(ref y0, 24);
                a4.StoreUnsafe(ref y0, 32);
                a5.StoreUnsafe(ref y0, 40);
                a6.StoreUnsafe(ref y0, 48);
                a7.StoreUnsafe(ref y0, 56);
            }
            else
            {
                ref var s0 = ref MemoryMarshal.GetReference(staging);
                a0.StoreUnsafe(ref s0);
                a1.StoreUnsafe(ref s0, 8);
                a2.StoreUnsafe(ref s0, 16);
                a3.StoreUnsafe(ref s0, 24);
                a4.StoreUnsafe(ref s0, 32);
                a5.StoreUnsafe(ref s0, 40);
                a6.StoreUnsafe(ref s0, 48);
                a7.StoreUnsafe(ref s0, 56);
                CopyPartial(staging, 1, ref Unsafe.Add(ref y, p * PanelWidth), Outputs, Outputs - (p * PanelWidth));
            }
        }

        for (; p < _panelCount; p++)
        {
            ref var w = ref Unsafe.Add(ref panels, p * panelLength);
            var a0 = Vector256.LoadUnsafe(ref bias, (nuint)(p * PanelWidth));
            var a1 = Vector256.LoadUnsafe(ref bias, (nuint)((p * PanelWidth) + 8));
            for (var i = 0; i < inputs; i++)
            {
                var offset = (nuint)(i * PanelWidth);
                var v = Vector256.Create(Unsafe.Add(ref x, i));
                a0 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref w, offset), v, a0);
                a1 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref w, offset + 8), v, a1);
            }

            var start = p * PanelWidth;
            if (Outputs - start >= PanelWidth)
            {
                a0.StoreUnsafe(ref Unsafe.Add(ref y, start));
                a1.StoreUnsafe(ref Unsafe.Add(ref y, start), 8);
            }
            else
            {
                a0.StoreUnsafe(ref MemoryMarshal.GetReference(staging));
                a1.StoreUnsafe(ref MemoryMarshal.GetReference(staging), 8);
                CopyPartial(staging[..PanelWidth], 1, ref Unsafe.Add(ref y, start), Outputs, Outputs - start);
            }
        }
    }
}

using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Actors.Model;

/// <summary>The numeric building blocks of the tower, on spans, matching PyTorch's definitions.</summary>
internal static class TowerMath
{
    /// <summary>PyTorch's LayerNorm epsilon default.</summary>
    public const float LayerNormEpsilon = 1e-5f;

    /// <summary>LayerNorm over the whole vector, in place: (x − mean) / sqrt(var + eps) · w + b, biased variance.</summary>
    public static void LayerNorm(Span<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
    {
        var mean = TensorPrimitives.Sum<float>(x) / x.Length;
        TensorPrimitives.Subtract(x, mean, x);
        var variance = TensorPrimitives.SumOfSquares<float>(x) / x.Length;
        TensorPrimitives.Multiply(x, 1f / MathF.Sqrt(variance + LayerNormEpsilon), x);
        TensorPrimitives.FusedMultiplyAdd(x, weight, bias, x);
    }

    /// <summary>
    /// Exact (erf) GELU in place: x · Φ(x), as PyTorch's <c>activation="gelu"</c>, in float arithmetic, sixteen or eight
    /// lanes at a time where 512- or 256-bit vectors are hardware accelerated. Same erfc fit as <see cref="GeluReference"/> (which runs it in
    /// double); the two agree within 1e-6 absolute (a test sweeps the tails, ±0 and the range between).
    /// </summary>
    public static void Gelu(Span<float> x)
    {
        var i = 0;
        ref var start = ref MemoryMarshal.GetReference(x);
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                Gelu(Vector512.LoadUnsafe(ref start, (nuint)i)).StoreUnsafe(ref start, (nuint)i);
            }
        }

        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                Gelu(Vector256.LoadUnsafe(ref start, (nuint)i)).StoreUnsafe(ref start, (nuint)i);
            }
        }

        for (; i < x.Length; i++)
        {
            x[i] = Gelu(x[i]);
        }
    }

    /// <summary>
    /// The scalar double-precision GELU the vector kernel replaced; the reference <see cref="Gelu(Span{float})"/> is tested
    /// against.
    /// </summary>
    public static void GeluReference(Span<float> x)
    {
        for (var i = 0; i < x.Length; i++)
        {
            double v = x[i];
            // Φ(v) = erfc(−v/√2)/2; written through erfc of a non-negative argument so both tails keep relative accuracy.
            var z = Math.Abs(v) * 0.70710678118654752440;
            var tail = 0.5 * Erfc(z);
            x[i] = (float)(v * (v >= 0 ? 1.0 - tail : tail));
        }
    }

    /// <summary>GELU of eight lanes: <see cref="Erfc"/>'s fit in float, exp by <see cref="Exp(Vector256{float})"/>.</summary>
    private static Vector256<float> Gelu(Vector256<float> v)
    {
        var one = Vector256<float>.One;
        var z = Vector256.Abs(v) * Vector256.Create(0.70710678f);
        var t = one / Vector256.MultiplyAddEstimate(z, Vector256.Create(0.5f), one);
        var poly = Vector256.Create(0.17087277f);
        poly = Vector256.MultiplyAddEstimate(poly, t, Vector256.Create(-0.82215223f));
        poly = Vector256.MultiplyAddEstimate(poly, t, Vector256.Create(1.48851587f));
        poly = Vector256.MultiplyAddEstimate(poly, t, Vector256.Create(-1.13520398f));
        poly = Vector256.MultiplyAddEstimate(poly, t, Vector256.Create(0.27886807f));
        poly = Vector256.MultiplyAddEstimate(poly, t, Vector256.Create(-0.18628806f));
        poly = Vector256.MultiplyAddEstimate(poly, t, Vector256.Create(0.09678418f));
        poly = Vector256.MultiplyAddEstimate(poly, t, Vector256.Create(0.37409196f));
        poly = Vector256.MultiplyAddEstimate(poly, t, Vector256.Create(1.00002368f));
        poly = Vector256.MultiplyAddEstimate(poly, t, Vector256.Create(-1.26551223f));
        var tail = Vector256.Create(0.5f) * t * Exp(poly - (z * z));
        return v * Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(v, Vector256<float>.Zero), one - tail, tail);
    }

    /// <summary>
    /// e^x for x ≤ 0 (GELU's only use), within 2 ulp: Cephes' expf (x = n·ln 2 + r, |r| ≤ ln 2 / 2, degree-6 polynomial,
    /// scaled by 2ⁿ through the exponent bits); below −87 (past float's normal range) 0. <see cref="Vector256.Exp(Vector256{float})"/>
    /// is several times slower here.
    /// </summary>
    private static Vector256<float> Exp(Vector256<float> x)
    {
        var underflow = Vector256.LessThan(x, Vector256.Create(-87f));
        x = Vector256.Max(x, Vector256.Create(-87f));
        var n = Vector256.Floor(Vector256.MultiplyAddEstimate(x, Vector256.Create(1.44269504f), Vector256.Create(0.5f)));
        var r = Vector256.MultiplyAddEstimate(n, Vector256.Create(-0.693359375f), x);
        r = Vector256.MultiplyAddEstimate(n, Vector256.Create(2.12194440e-4f), r);
        var p = Vector256.Create(1.9875691500e-4f);
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.3981999507e-3f));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(8.3334519073e-3f));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(4.1665795894e-2f));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(1.6666665459e-1f));
        p = Vector256.MultiplyAddEstimate(p, r, Vector256.Create(5.0000001201e-1f));
        var y = Vector256.MultiplyAddEstimate(p * r, r, r) + Vector256<float>.One;
        var scale = Vector256.ShiftLeft(Vector256.ConvertToInt32(n) + Vector256.Create(127), 23).AsSingle();
        return Vector256.AndNot(y * scale, underflow);
    }

    /// <summary>GELU of sixteen lanes (the same steps as eight): <see cref="Erfc"/>'s fit in float, exp by <see cref="Exp(Vector512{float})"/>.</summary>
    private static Vector512<float> Gelu(Vector512<float> v)
    {
        var one = Vector512<float>.One;
        var z = Vector512.Abs(v) * Vector512.Create(0.70710678f);
        var t = one / Vector512.MultiplyAddEstimate(z, Vector512.Create(0.5f), one);
        var poly = Vector512.Create(0.17087277f);
        poly = Vector512.MultiplyAddEstimate(poly, t, Vector512.Create(-0.82215223f));
        poly = Vector512.MultiplyAddEstimate(poly, t, Vector512.Create(1.48851587f));
        poly = Vector512.MultiplyAddEstimate(poly, t, Vector512.Create(-1.13520398f));
        poly = Vector512.MultiplyAddEstimate(poly, t, Vector512.Create(0.27886807f));
        poly = Vector512.MultiplyAddEstimate(poly, t, Vector512.Create(-0.18628806f));
        poly = Vector512.MultiplyAddEstimate(poly, t, Vector512.Create(0.09678418f));
        poly = Vector512.MultiplyAddEstimate(poly, t, Vector512.Create(0.37409196f));
        poly = Vector512.MultiplyAddEstimate(poly, t, Vector512.Create(1.00002368f));
        poly = Vector512.MultiplyAddEstimate(poly, t, Vector512.Create(-1.26551223f));
        var tail = Vector512.Create(0.5f) * t * Exp(poly - (z * z));
        return v * Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(v, Vector512<float>.Zero), one - tail, tail);
    }

    /// <summary>As <see cref="Exp(Vector256{float})"/>, sixteen lanes.</summary>
    private static Vector512<float> Exp(Vector512<float> x)
    {
        var underflow = Vector512.LessThan(x, Vector512.Create(-87f));
        x = Vector512.Max(x, Vector512.Create(-87f));
        var n = Vector512.Floor(Vector512.MultiplyAddEstimate(x, Vector512.Create(1.44269504f), Vector512.Create(0.5f)));
        var r = Vector512.MultiplyAddEstimate(n, Vector512.Create(-0.693359375f), x);
        r = Vector512.MultiplyAddEstimate(n, Vector512.Create(2.12194440e-4f), r);
        var p = Vector512.Create(1.9875691500e-4f);
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(1.3981999507e-3f));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(8.3334519073e-3f));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(4.1665795894e-2f));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(1.6666665459e-1f));
        p = Vector512.MultiplyAddEstimate(p, r, Vector512.Create(5.0000001201e-1f));
        var y = Vector512.MultiplyAddEstimate(p * r, r, r) + Vector512<float>.One;
        var scale = Vector512.ShiftLeft(Vector512.ConvertToInt32(n) + Vector512.Create(127), 23).AsSingle();
        return Vector512.AndNot(y * scale, underflow);
    }

    /// <summary>GELU of one value, the same float steps as the vector lanes (the tail of a span that is not a multiple of eight).</summary>
    private static float Gelu(float v)
    {
        var z = MathF.Abs(v) * 0.70710678f;
        var t = 1f / float.MultiplyAddEstimate(z, 0.5f, 1f);
        var poly = 0.17087277f;
        poly = float.MultiplyAddEstimate(poly, t, -0.82215223f);
        poly = float.MultiplyAddEstimate(poly, t, 1.48851587f);
        poly = float.MultiplyAddEstimate(poly, t, -1.13520398f);
        poly = float.MultiplyAddEstimate(poly, t, 0.27886807f);
        poly = float.MultiplyAddEstimate(poly, t, -0.18628806f);
        poly = float.MultiplyAddEstimate(poly, t, 0.09678418f);
        poly = float.MultiplyAddEstimate(poly, t, 0.37409196f);
        poly = float.MultiplyAddEstimate(poly, t, 1.00002368f);
        poly = float.MultiplyAddEstimate(poly, t, -1.26551223f);
        var tail = 0.5f * t * MathF.Exp(poly - (z * z));
        return v * (v >= 0f ? 1f - tail : tail);
    }

    /// <summary>
    /// erfc(z) for z ≥ 0, relative error below 1.2e-7 (Chebyshev fit, Numerical Recipes §6.2), i.e. float precision.
    /// .NET has no Math.Erf.
    /// </summary>
    public static double Erfc(double z)
    {
        var t = 1.0 / (1.0 + (0.5 * z));
        var poly = 0.17087277;
        poly = (poly * t) - 0.82215223;
        poly = (poly * t) + 1.48851587;
        poly = (poly * t) - 1.13520398;
        poly = (poly * t) + 0.27886807;
        poly = (poly * t) - 0.18628806;
        poly = (poly * t) + 0.09678418;
        poly = (poly * t) + 0.37409196;
        poly = (poly * t) + 1.00002368;
        poly = (poly * t) - 1.26551223;
        return t * Math.Exp(poly - (z * z));
    }

    /// <summary>
    /// Dot product of two short vectors (an attention head: tens of floats), inline: at this length
    /// <see cref="TensorPrimitives.Dot(ReadOnlySpan{float}, ReadOnlySpan{float})"/> spends most of its time getting started.
    /// </summary>
    public static float Dot(ReadOnlySpan<float> x, ReadOnlySpan<float> y)
    {
        var i = 0;
        var sum = 0f;
        if (Vector256.IsHardwareAccelerated && x.Length >= Vector256<float>.Count)
        {
            ref var a = ref MemoryMarshal.GetReference(x);
            ref var b = ref MemoryMarshal.GetReference(y[..x.Length]);
            // Two chains: half the latency of one for a head of 64.
            var (even, odd) = (Vector256<float>.Zero, Vector256<float>.Zero);
            for (; i <= x.Length - (2 * Vector256<float>.Count); i += 2 * Vector256<float>.Count)
            {
                even = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), even);
                odd = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref a, (nuint)i + 8), Vector256.LoadUnsafe(ref b, (nuint)i + 8), odd);
            }

            if (i <= x.Length - Vector256<float>.Count)
            {
                even = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref a, (nuint)i), Vector256.LoadUnsafe(ref b, (nuint)i), even);
                i += Vector256<float>.Count;
            }

            sum = Vector256.Sum(even + odd);
        }

        for (; i < x.Length; i++)
        {
            sum = float.MultiplyAddEstimate(x[i], y[i], sum);
        }

        return sum;
    }

    /// <summary>
    /// destination[e] = Σⱼ weights[j] · rows[j · stride + e]: an attention head's weighted sum of value rows, each element
    /// one multiply-add chain over j in order, 32 elements at a time in registers.
    /// </summary>
    public static void WeightedRowSum(ReadOnlySpan<float> rows, int stride, ReadOnlySpan<float> weights, Span<float> destination)
    {
        var n = weights.Length;
        var d = destination.Length;
        if (n == 0)
        {
            destination.Clear();
            return;
        }

        // One bounds check for the whole walk: the last row must hold d elements.
        rows = rows[..(((n - 1) * stride) + d)];
        ref var start = ref MemoryMarshal.GetReference(rows);
        ref var w = ref MemoryMarshal.GetReference(weights);
        ref var output = ref MemoryMarshal.GetReference(destination);
        var e = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; e <= d - (4 * Vector256<float>.Count); e += 4 * Vector256<float>.Count)
            {
                var (a0, a1, a2, a3) = (Vector256<float>.Zero, Vector256<float>.Zero, Vector256<float>.Zero, Vector256<float>.Zero);
                for (var j = 0; j < n; j++)
                {
                    var weight = Vector256.Create(Unsafe.Add(ref w, j));
                    var offset = (nuint)((j * stride) + e);
                    a0 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref start, offset), weight, a0);
                    a1 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref start, offset + 8), weight, a1);
                    a2 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref start, offset + 16), weight, a2);
                    a3 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref start, offset + 24), weight, a3);
                }

                a0.StoreUnsafe(ref output, (nuint)e);
                a1.StoreUnsafe(ref output, (nuint)e + 8);
                a2.StoreUnsafe(ref output, (nuint)e + 16);
                a3.StoreUnsafe(ref output, (nuint)e + 24);
            }

            for (; e <= d - Vector256<float>.Count; e += Vector256<float>.Count)
            {
                var a0 = Vector256<float>.Zero;
                for (var j = 0; j < n; j++)
                {
                    a0 = Vector256.MultiplyAddEstimate(Vector256.LoadUnsafe(ref start, (nuint)((j * stride) + e)), Vector256.Create(Unsafe.Add(ref w, j)), a0);
                }

                a0.StoreUnsafe(ref output, (nuint)e);
            }
        }

        for (; e < d; e++)
        {
            var sum = 0f;
            for (var j = 0; j < n; j++)
            {
                sum = float.MultiplyAddEstimate(rows[(j * stride) + e], weights[j], sum);
            }

            destination[e] = sum;
        }
    }

    /// <summary>Numerically stable softmax in place.</summary>
    public static void SoftMax(Span<float> x)
    {
        // TensorPrimitives.SoftMax does not subtract the maximum itself; large scores would overflow exp.
        TensorPrimitives.Subtract(x, TensorPrimitives.Max<float>(x), x);
        TensorPrimitives.SoftMax<float>(x, x);
    }

    /// <summary>Divides by the L2 norm in place (a zero vector stays zero).</summary>
    public static void L2Normalize(Span<float> x)
    {
        var norm = TensorPrimitives.Norm<float>(x);
        if (norm > 0f)
        {
            TensorPrimitives.Divide(x, norm, x);
        }
    }
}

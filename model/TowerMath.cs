using System.Numerics.Tensors;

namespace Actors.Model;

/// <summary>The numeric building blocks of the tower, on spans, matching PyTorch's definitions.</summary>
internal static class TowerMath
{
    /// <summary>PyTorch's LayerNorm epsilon default.</summary>
    public const float LayerNormEpsilon = 1e-5f;

    /// <summary>PyTorch Linear: y = x W^T + b, W row-major [out, in].</summary>
    public static void Linear(ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, ReadOnlySpan<float> x, Span<float> y)
    {
        var inputs = x.Length;
        for (var o = 0; o < y.Length; o++)
        {
            y[o] = TensorPrimitives.Dot(weight.Slice(o * inputs, inputs), x) + bias[o];
        }
    }

    /// <summary>LayerNorm over the whole vector, in place: (x − mean) / sqrt(var + eps) · w + b, biased variance.</summary>
    public static void LayerNorm(Span<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
    {
        var mean = TensorPrimitives.Sum<float>(x) / x.Length;
        TensorPrimitives.Subtract(x, mean, x);
        var variance = TensorPrimitives.SumOfSquares<float>(x) / x.Length;
        TensorPrimitives.Multiply(x, 1f / MathF.Sqrt(variance + LayerNormEpsilon), x);
        TensorPrimitives.FusedMultiplyAdd(x, weight, bias, x);
    }

    /// <summary>Exact (erf) GELU in place: x · Φ(x), as PyTorch's <c>activation="gelu"</c>.</summary>
    public static void Gelu(Span<float> x)
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

namespace Actors.Model.Tests;

/// <summary>
/// An independent reference: the whole PAL forward pass over a sequence, in double precision with plain loops,
/// written from the PyTorch definitions without looking at the library's kernels (full attention matrix with a
/// causal mask, two-pass LayerNorm, series/continued-fraction erf).
/// </summary>
internal static class NaiveTower
{
    public static double[] User(PreferenceModel trained, IReadOnlyList<float[]> sequence)
    {
        var model = new Weights(trained);
        var c = trained.Config;
        int n = sequence.Count, h = c.Hidden, heads = c.Heads, d = h / heads;
        var x = new double[n][];
        for (var i = 0; i < n; i++)
        {
            x[i] = Linear(model.GetTensor("adaptor.weight"), model.GetTensor("adaptor.bias"), ToDouble(sequence[i]));
            if (c.Positions == PositionEncoding.Learned)
            {
                var positions = model.GetTensor("position.weight");
                for (var k = 0; k < h; k++)
                {
                    x[i][k] += positions[(i * h) + k];
                }
            }
        }

        for (var l = 0; l < c.Layers; l++)
        {
            string P(string name) => $"layers.{l}.{name}";
            var inW = model.GetTensor(P("self_attn.in_proj_weight"));
            var inB = model.GetTensor(P("self_attn.in_proj_bias"));

            var attnIn = new double[n][];
            for (var i = 0; i < n; i++)
            {
                attnIn[i] = c.NormFirst ? LayerNorm(x[i], model.GetTensor(P("norm1.weight")), model.GetTensor(P("norm1.bias"))) : x[i];
            }

            var q = new double[n][];
            var k = new double[n][];
            var v = new double[n][];
            for (var i = 0; i < n; i++)
            {
                var all = Linear(inW, inB, attnIn[i]);
                q[i] = all[..h];
                k[i] = all[h..(2 * h)];
                v[i] = all[(2 * h)..];
            }

            // Full n×n score matrix per head, −∞ above the diagonal.
            var context = new double[n][];
            for (var i = 0; i < n; i++)
            {
                context[i] = new double[h];
            }

            for (var head = 0; head < heads; head++)
            {
                for (var i = 0; i < n; i++)
                {
                    var scores = new double[n];
                    for (var j = 0; j < n; j++)
                    {
                        if (j > i)
                        {
                            scores[j] = double.NegativeInfinity;
                            continue;
                        }

                        double s = 0;
                        for (var e = 0; e < d; e++)
                        {
                            s += q[i][(head * d) + e] * k[j][(head * d) + e];
                        }

                        scores[j] = s / Math.Sqrt(d);
                    }

                    var p = Softmax(scores);
                    for (var j = 0; j < n; j++)
                    {
                        for (var e = 0; e < d; e++)
                        {
                            context[i][(head * d) + e] += p[j] * v[j][(head * d) + e];
                        }
                    }
                }
            }

            for (var i = 0; i < n; i++)
            {
                var attn = Linear(model.GetTensor(P("self_attn.out_proj.weight")), model.GetTensor(P("self_attn.out_proj.bias")), context[i]);
                var r = Add(x[i], attn);
                if (!c.NormFirst)
                {
                    r = LayerNorm(r, model.GetTensor(P("norm1.weight")), model.GetTensor(P("norm1.bias")));
                }

                var ffIn = c.NormFirst ? LayerNorm(r, model.GetTensor(P("norm2.weight")), model.GetTensor(P("norm2.bias"))) : r;
                var inner = Linear(model.GetTensor(P("linear1.weight")), model.GetTensor(P("linear1.bias")), ffIn);
                for (var e = 0; e < inner.Length; e++)
                {
                    inner[e] = Gelu(inner[e]);
                }

                var f = Linear(model.GetTensor(P("linear2.weight")), model.GetTensor(P("linear2.bias")), inner);
                var y = Add(r, f);
                if (!c.NormFirst)
                {
                    y = LayerNorm(y, model.GetTensor(P("norm2.weight")), model.GetTensor(P("norm2.bias")));
                }

                x[i] = y;
            }
        }

        var last = x[n - 1];
        if (c.FinalNorm)
        {
            last = LayerNorm(last, model.GetTensor("final_norm.weight"), model.GetTensor("final_norm.bias"));
        }

        return Normalize(Linear(model.GetTensor("projection.weight"), model.GetTensor("projection.bias"), last));
    }

    private sealed class Weights(PreferenceModel model)
    {
        private readonly Dictionary<string, float[]> _cache = [];

        public float[] GetTensor(string name)
        {
            if (!_cache.TryGetValue(name, out var values))
            {
                values = model.GetTensor(name);
                _cache[name] = values;
            }

            return values;
        }
    }

    public static double Gelu(double x) => 0.5 * x * (1 + Erf(x / Math.Sqrt(2)));

    /// <summary>erf by the all-positive series 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(2n+1)!! below 3, the erfc continued fraction above.</summary>
    public static double Erf(double x)
    {
        var a = Math.Abs(x);
        double r;
        if (a < 3)
        {
            double term = a, sum = a;
            for (var n = 1; n < 500; n++)
            {
                term *= 2 * a * a / ((2 * n) + 1);
                sum += term;
            }

            r = 2 / Math.Sqrt(Math.PI) * Math.Exp(-a * a) * sum;
        }
        else
        {
            var f = a;
            for (var n = 200; n >= 1; n--)
            {
                f = a + (n / 2.0 / f);
            }

            r = 1 - (Math.Exp(-a * a) / Math.Sqrt(Math.PI) / f);
        }

        return x < 0 ? -r : r;
    }

    private static double[] ToDouble(float[] values)
    {
        var result = new double[values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            result[i] = values[i];
        }

        return result;
    }

    private static double[] Linear(float[] w, float[] b, double[] x)
    {
        var y = new double[b.Length];
        for (var o = 0; o < y.Length; o++)
        {
            double s = b[o];
            for (var i = 0; i < x.Length; i++)
            {
                s += w[(o * x.Length) + i] * x[i];
            }

            y[o] = s;
        }

        return y;
    }

    private static double[] Add(double[] a, double[] b)
    {
        var y = new double[a.Length];
        for (var i = 0; i < a.Length; i++)
        {
            y[i] = a[i] + b[i];
        }

        return y;
    }

    private static double[] LayerNorm(double[] x, float[] w, float[] b)
    {
        double mean = 0, variance = 0;
        foreach (var value in x)
        {
            mean += value;
        }

        mean /= x.Length;
        foreach (var value in x)
        {
            variance += (value - mean) * (value - mean);
        }

        variance /= x.Length;
        var y = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            y[i] = ((x[i] - mean) / Math.Sqrt(variance + 1e-5) * w[i]) + b[i];
        }

        return y;
    }

    private static double[] Softmax(double[] s)
    {
        var max = double.NegativeInfinity;
        foreach (var value in s)
        {
            max = Math.Max(max, value);
        }

        var y = new double[s.Length];
        double sum = 0;
        for (var i = 0; i < s.Length; i++)
        {
            y[i] = Math.Exp(s[i] - max);
            sum += y[i];
        }

        for (var i = 0; i < s.Length; i++)
        {
            y[i] /= sum;
        }

        return y;
    }

    private static double[] Normalize(double[] x)
    {
        double norm = 0;
        foreach (var value in x)
        {
            norm += value * value;
        }

        norm = Math.Sqrt(norm);
        var y = new double[x.Length];
        for (var i = 0; i < x.Length; i++)
        {
            y[i] = x[i] / norm;
        }

        return y;
    }
}

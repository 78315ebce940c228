using System.Runtime.Intrinsics;

namespace Actors.Model.Tests;

/// <summary>The tower's kernels: the packed Linear (every kernel this hardware has) and the vectorised GELU.</summary>
public sealed class TowerKernelTests
{
    public static TheoryData<int, int> LinearShapes => new()
    {
        // outputs, inputs: one panel and less, partial last panels, inputs cut into slices (more than 128), the shipped
        // model's layers.
        { 1, 1 },
        { 3, 5 },
        { 16, 16 },
        { 17, 33 },
        { 40, 24 },
        { 64, 128 },
        { 130, 7 },
        { 128, 384 },
        { 384, 128 },
        { 512, 128 },
        { 128, 512 },
        { 200, 64 },
        { 24, 300 },
        { 40, 300 },
        { 48, 257 },
        { 72, 200 },
    };

    private static IEnumerable<LinearKernel> AvailableKernels()
    {
        yield return LinearKernel.Scalar;
        if (Vector256.IsHardwareAccelerated)
        {
            yield return LinearKernel.Vector256;
        }

        if (Vector512.IsHardwareAccelerated)
        {
            yield return LinearKernel.Vector512;
        }
    }

    [Theory]
    [MemberData(nameof(LinearShapes))]
    public void PackedLinear_EveryKernel_MatchesTheDoubleReference_AndRowsEqualTheOneRowCall(int outputs, int inputs)
    {
        var random = new Random((outputs * 1000) + inputs);
        var weight = Uniform(random, outputs * inputs, 1 / MathF.Sqrt(inputs));
        var bias = Uniform(random, outputs, 0.5f);
        var linear = new PackedLinear(weight, bias, outputs, inputs);
        int[] rowCounts = [1, 2, 3, 4, 5, 8, 13, 64];
        var x = Uniform(random, rowCounts.Max() * inputs, 2f);

        foreach (var kernel in AvailableKernels())
        {
            foreach (var rows in rowCounts)
            {
                var y = new float[rows * outputs];
                linear.Apply(x, rows, y, kernel);
                var one = new float[outputs];
                for (var r = 0; r < rows; r++)
                {
                    linear.Apply(x.AsSpan(r * inputs, inputs), 1, one, kernel);
                    Assert.True(one.AsSpan().SequenceEqual(y.AsSpan(r * outputs, outputs)), $"{kernel}, {rows} rows: row {r} differs from its one-row call.");
                    for (var o = 0; o < outputs; o++)
                    {
                        double expected = bias[o];
                        for (var i = 0; i < inputs; i++)
                        {
                            expected += (double)weight[(o * inputs) + i] * x[(r * inputs) + i];
                        }

                        Assert.True(
                            Math.Abs(expected - y[(r * outputs) + o]) <= 1e-5 * (1 + Math.Sqrt(inputs)),
                            $"{kernel}, {rows} rows: y[{r}, {o}] = {y[(r * outputs) + o]}, expected {expected}.");
                    }
                }
            }
        }
    }

    [Fact]
    public void PackedLinear_LeavesOutputBeyondItsRowsAlone()
    {
        var random = new Random(1);
        var linear = new PackedLinear(Uniform(random, 17 * 9, 1), Uniform(random, 17, 1), 17, 9);
        foreach (var kernel in AvailableKernels())
        {
            var y = Enumerable.Repeat(42f, (5 * 17) + 3).ToArray();

            linear.Apply(Uniform(random, 5 * 9, 1), 5, y, kernel);

            Assert.All(y[(5 * 17)..], v => Assert.Equal(42f, v));
        }
    }

    [Fact]
    public void PackedLinear_TooShortInputOrOutput_IsRejected()
    {
        var linear = new PackedLinear(new float[4 * 3], new float[4], 4, 3);

        Assert.Throws<ArgumentException>(() => linear.Apply(new float[5], 2, new float[8]));
        Assert.Throws<ArgumentException>(() => linear.Apply(new float[6], 2, new float[7]));
    }

    [Fact]
    public void Gelu_Vectorised_MatchesTheScalarReference_AcrossTheRangeTailsAndZeros()
    {
        var values = new List<float> { 0f, -0f, 1e-30f, -1e-30f, 1e-7f, -1e-7f, float.Epsilon, -float.Epsilon, 30f, -30f, 1e4f, -1e4f, 1e30f, -1e30f };
        for (var v = -12.0; v <= 12.0; v += 0.00390625)
        {
            values.Add((float)v);
        }

        for (var v = 1e-6; v < 1e3; v *= 1.1)
        {
            values.Add((float)v);
            values.Add((float)-v);
        }

        // An odd length: the last values go through the scalar tail.
        values.Add(0.75f);
        var vectorised = values.ToArray();
        var reference = values.ToArray();

        TowerMath.Gelu(vectorised);
        TowerMath.GeluReference(reference);

        Assert.NotEqual(0, values.Count % 8);
        for (var i = 0; i < values.Count; i++)
        {
            Assert.True(Math.Abs(vectorised[i] - reference[i]) <= 1e-6, $"gelu({values[i]:R}) = {vectorised[i]:R}, reference {reference[i]:R}.");
            Assert.True(Math.Abs(NaiveTower.Gelu(values[i]) - vectorised[i]) <= 1e-6, $"gelu({values[i]:R}) = {vectorised[i]:R}, exact {NaiveTower.Gelu(values[i]):R}.");
        }

        Assert.Equal(0f, vectorised[0]);
        Assert.False(float.IsNegative(vectorised[0]), "gelu(+0) is +0.");
        Assert.True(float.IsNegative(vectorised[1]) && vectorised[1] == 0f, "gelu(−0) is −0, as the reference gives.");
    }

    private static float[] Uniform(Random random, int count, float range)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = range * ((2f * random.NextSingle()) - 1f);
        }

        return values;
    }
}

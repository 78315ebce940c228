using System.Numerics.Tensors;

namespace Actors.Model;

/// <summary>
/// Where one row of a forward pass keeps its keys and values: per layer <see cref="Capacity"/> rows of h in
/// <see cref="Keys"/> and <see cref="Values"/> (layer l starts at l · Capacity · h), this row at <see cref="Position"/>.
/// Positions before it must already be there; the pass writes this one.
/// </summary>
internal readonly record struct CacheSlot(float[] Keys, float[] Values, int Capacity, int Position);

/// <summary>The forward pass over rows: one user's new position, a window of positions, or many users' new positions at once.</summary>
public sealed partial class PreferenceModel
{
    /// <summary>
    /// Floats of scratch <see cref="Forward"/> needs for <paramref name="rows"/> rows whose positions are below
    /// <paramref name="capacity"/>.
    /// </summary>
    internal int ScratchLength(int rows, int capacity) => (rows * ((6 * Config.Hidden) + Config.FeedForward)) + capacity;

    /// <summary>adaptor(content) (+ the id row when <paramref name="idRow"/> ≥ 0) into <paramref name="destination"/> (length h).</summary>
    internal void Adapt(ReadOnlySpan<float> content, int idRow, Span<float> destination)
    {
        RequireLength(content.Length, ContentDimension, nameof(content));
        Adapt(content, new ReadOnlySpan<int>(in idRow), destination);
    }

    /// <summary>
    /// adaptor over <paramref name="idRows"/>.Length content rows (<paramref name="contents"/> [rows, d_c] →
    /// <paramref name="destination"/> [rows, h]) as one matrix product, then each row's id embedding (row −1 = none).
    /// </summary>
    internal void Adapt(ReadOnlySpan<float> contents, ReadOnlySpan<int> idRows, Span<float> destination)
    {
        var h = Config.Hidden;
        _adaptor.Apply(contents, idRows.Length, destination);
        if (_idEmbedding is null)
        {
            return;
        }

        for (var r = 0; r < idRows.Length; r++)
        {
            if (idRows[r] >= 0)
            {
                var row = destination.Slice(r * h, h);
                TensorPrimitives.Add(row, _idEmbedding.AsSpan(idRows[r] * h, h), row);
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="slots"/>.Length rows through every layer. On entry row r of <paramref name="x"/> ([rows, h])
    /// holds the adaptor output of the item at <paramref name="slots"/>[r]'s position; on exit its final hidden state
    /// (after the final norm). The linear layers run as one matrix product over all rows; attention, norms and GELU per
    /// row, each row against its own key/value cache. A layer writes every row's keys and values before any row attends,
    /// so consecutive positions of one cache (a window recomputed at once) see each other causally; two rows must not
    /// share a cache position.
    /// </summary>
    internal void Forward(Span<float> x, ReadOnlySpan<CacheSlot> slots, Span<float> scratch)
    {
        var h = Config.Hidden;
        var ff = Config.FeedForward;
        var rows = slots.Length;
        var block = rows * h;
        var normed = scratch[..block];
        var context = scratch.Slice(block, block);
        var attention = scratch.Slice(2 * block, block);
        var qkv = scratch.Slice(3 * block, 3 * block);
        var inner = scratch.Slice(6 * block, rows * ff);
        var scores = scratch[((6 * block) + (rows * ff))..];
        for (var r = 0; r < rows; r++)
        {
            var row = x.Slice(r * h, h);
            if (_position is not null)
            {
                TensorPrimitives.Add(row, _position.AsSpan(slots[r].Position * h, h), row);
            }

            if (_inputNormWeight is not null)
            {
                TowerMath.LayerNorm(row, _inputNormWeight, _inputNormBias);
            }
        }

        x = x[..block];
        for (var l = 0; l < _layers.Length; l++)
        {
            var layer = _layers[l];

            // Self-attention block.
            ReadOnlySpan<float> attentionInput = x;
            if (Config.NormFirst)
            {
                NormRows(x, normed, layer.Norm1Weight, layer.Norm1Bias);
                attentionInput = normed;
            }

            layer.InProj.Apply(attentionInput, rows, qkv);
            for (var r = 0; r < rows; r++)
            {
                var slot = slots[r];
                var cacheRow = ((l * slot.Capacity) + slot.Position) * h;
                qkv.Slice((r * 3 * h) + h, h).CopyTo(slot.Keys.AsSpan(cacheRow, h));
                qkv.Slice((r * 3 * h) + (2 * h), h).CopyTo(slot.Values.AsSpan(cacheRow, h));
            }

            for (var r = 0; r < rows; r++)
            {
                Attend(qkv.Slice(r * 3 * h, h), l, slots[r], scores, context.Slice(r * h, h));
            }

            layer.OutProj.Apply(context, rows, attention);
            TensorPrimitives.Add(x, attention, x);
            if (!Config.NormFirst)
            {
                NormRows(x, x, layer.Norm1Weight, layer.Norm1Bias);
            }

            // Feed-forward block.
            ReadOnlySpan<float> feedInput = x;
            if (Config.NormFirst)
            {
                NormRows(x, normed, layer.Norm2Weight, layer.Norm2Bias);
                feedInput = normed;
            }

            layer.Linear1.Apply(feedInput, rows, inner);
            for (var r = 0; r < rows; r++)
            {
                // Row by row, so a row's lanes fall where they would in a one-row pass.
                TowerMath.Gelu(inner.Slice(r * ff, ff));
            }

            layer.Linear2.Apply(inner, rows, attention);
            TensorPrimitives.Add(x, attention, x);
            if (!Config.NormFirst)
            {
                NormRows(x, x, layer.Norm2Weight, layer.Norm2Bias);
            }
        }

        if (_finalNormWeight is not null)
        {
            NormRows(x, x, _finalNormWeight, _finalNormBias);
        }
    }

    /// <summary>
    /// projection over <paramref name="rows"/> hidden rows ([rows, h] → [rows, d_out]) as one matrix product, each output
    /// row L2-normalised.
    /// </summary>
    internal void Project(ReadOnlySpan<float> hidden, int rows, Span<float> destination)
    {
        var d = OutputDimension;
        _projection.Apply(hidden, rows, destination);
        for (var r = 0; r < rows; r++)
        {
            TowerMath.L2Normalize(destination.Slice(r * d, d));
        }
    }

    /// <summary>LayerNorm of every h-row of <paramref name="source"/> into <paramref name="destination"/> (may be the same span).</summary>
    private void NormRows(ReadOnlySpan<float> source, Span<float> destination, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias)
    {
        var h = Config.Hidden;
        if (!source.Overlaps(destination))
        {
            source.CopyTo(destination);
        }

        for (var r = 0; r < source.Length / h; r++)
        {
            TowerMath.LayerNorm(destination.Slice(r * h, h), weight, bias);
        }
    }

    /// <summary>Causal multi-head attention of one query over the cached positions 0..slot.Position of layer <paramref name="layer"/>.</summary>
    private void Attend(ReadOnlySpan<float> query, int layer, CacheSlot slot, Span<float> scores, Span<float> context)
    {
        var h = Config.Hidden;
        var headDimension = h / Config.Heads;
        var start = layer * slot.Capacity * h;
        var length = (slot.Position + 1) * h;
        ReadOnlySpan<float> keys = slot.Keys.AsSpan(start, length);
        ReadOnlySpan<float> values = slot.Values.AsSpan(start, length);
        var weights = scores[..(slot.Position + 1)];
        for (var head = 0; head < Config.Heads; head++)
        {
            var offset = head * headDimension;
            var q = query.Slice(offset, headDimension);
            for (var j = 0; j < weights.Length; j++)
            {
                weights[j] = TowerMath.Dot(q, keys.Slice((j * h) + offset, headDimension)) * _attentionScale;
            }

            TowerMath.SoftMax(weights);
            TowerMath.WeightedRowSum(values[offset..], h, weights, context.Slice(offset, headDimension));
        }
    }

    /// <summary>One encoder layer's weights: the linear layers packed for the kernels, the norms as PyTorch stores them.</summary>
    private sealed class Layer(Dictionary<string, float[]> tensors, string prefix, PreferenceModelConfig config)
    {
        public PackedLinear InProj { get; } = new(
            tensors[prefix + "self_attn.in_proj_weight"], tensors[prefix + "self_attn.in_proj_bias"], 3 * config.Hidden, config.Hidden);

        public PackedLinear OutProj { get; } = new(
            tensors[prefix + "self_attn.out_proj.weight"], tensors[prefix + "self_attn.out_proj.bias"], config.Hidden, config.Hidden);

        public PackedLinear Linear1 { get; } = new(
            tensors[prefix + "linear1.weight"], tensors[prefix + "linear1.bias"], config.FeedForward, config.Hidden);

        public PackedLinear Linear2 { get; } = new(
            tensors[prefix + "linear2.weight"], tensors[prefix + "linear2.bias"], config.Hidden, config.FeedForward);

        public float[] Norm1Weight { get; } = tensors[prefix + "norm1.weight"];

        public float[] Norm1Bias { get; } = tensors[prefix + "norm1.bias"];

        public float[] Norm2Weight { get; } = tensors[prefix + "norm2.weight"];

        public float[] Norm2Bias { get; } = tensors[prefix + "norm2.bias"];
    }
}

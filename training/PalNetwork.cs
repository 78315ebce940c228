using Actors.Model;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Actors.Training;

/// <summary>
/// LEARN's PAL module in TorchSharp, registered under exactly the PyTorch <c>state_dict</c> names of
/// <c>model/README.md</c> (<see cref="PreferenceModelConfig.TensorSpecs"/>), so its weights are the artifact.
/// Inputs are adapted item rows: <see cref="AdaptItems"/> turns every catalog item into adaptor(content) (+ its id
/// embedding) once per step; sequences then index that table, with row <c>items</c> as an all-zero padding row.
/// Sequences are right-padded: with a causal mask, padding after a position never reaches it.
/// </summary>
internal sealed class PalNetwork : nn.Module<Tensor, Tensor>
{
    private readonly PreferenceModelConfig _config;
    private readonly Linear _adaptor;
    private readonly Embedding? _idEmbedding;
    private readonly Embedding? _position;
    private readonly LayerNorm? _inputNorm;
    private readonly EncoderLayer[] _layers;
    private readonly LayerNorm? _finalNorm;
    private readonly Linear _projection;
    private readonly Dropout _inputDropout;
    private readonly double _idDropout;
    private readonly double _idRowDropout;
    private readonly Dictionary<long, Tensor> _masks = [];

    public PalNetwork(PreferenceModelConfig config, double dropout, bool contentInput, double idDropout = 0, double idRowDropout = 0) : base("PAL")
    {
        _config = config;
        _idDropout = idDropout;
        _idRowDropout = idRowDropout;
        int h = config.Hidden;
        _adaptor = nn.Linear(config.ContentDimension, h);
        register_module("adaptor", _adaptor);
        if (!contentInput)
        {
            // SASRec: the content path is switched off (zero, frozen weight); the bias stays a learned constant.
            using (no_grad())
            {
                _adaptor.weight!.zero_();
            }

            _adaptor.weight!.requires_grad = false;
        }

        if (config.IdEmbeddings > 0)
        {
            _idEmbedding = nn.Embedding(config.IdEmbeddings, h);
            InitNormal(_idEmbedding.weight!, 0.02);
            register_module("id_embedding", _idEmbedding);
        }

        if (config.Positions == PositionEncoding.Learned)
        {
            _position = nn.Embedding(config.MaxLength, h);
            InitNormal(_position.weight!, 0.02);
            register_module("position", _position);
        }

        if (config.InputNorm)
        {
            _inputNorm = nn.LayerNorm(h, eps: 1e-5);
            register_module("input_norm", _inputNorm);
        }

        var list = new ModuleList<EncoderLayer>();
        _layers = new EncoderLayer[config.Layers];
        for (var i = 0; i < _layers.Length; i++)
        {
            _layers[i] = new EncoderLayer(h, config.Heads, config.FeedForward, dropout, config.NormFirst);
            list.Add(_layers[i]);
        }

        register_module("layers", list);
        if (config.FinalNorm)
        {
            _finalNorm = nn.LayerNorm(h, eps: 1e-5);
            register_module("final_norm", _finalNorm);
        }

        _projection = nn.Linear(h, config.OutputDimension);
        register_module("projection", _projection);
        _inputDropout = nn.Dropout(dropout);
        register_module("input_dropout", _inputDropout);
    }

    /// <summary>The item-id embedding table (null without ids), for its own optimiser group.</summary>
    public Parameter? IdEmbeddingWeight => _idEmbedding?.weight;

    /// <summary>
    /// adaptor(content) + id embedding for every item, plus a zero padding row: [items + 1, h]. In training mode the id
    /// table is regularised first: element-wise dropout (<c>--id-dropout</c>) and whole-row dropout (<c>--id-row-dropout</c>:
    /// a dropped item is content-only for that step, as if cold), both rescaled by 1/(1−p) as inverted dropout. Never at
    /// evaluation or export, so the artifact and the serving library are unaffected.
    /// </summary>
    public Tensor AdaptItems(Tensor content)
    {
        var adapted = _adaptor.forward(content);
        if (_idEmbedding is not null)
        {
            var ids = (Tensor)_idEmbedding.weight!;
            if (training && _idRowDropout > 0)
            {
                using var keep = bernoulli(full(ids.shape[0], 1, 1 - _idRowDropout));
                ids = ids * keep / (1 - _idRowDropout);
            }

            if (training && _idDropout > 0)
            {
                ids = nn.functional.dropout(ids, _idDropout, training: true);
            }

            adapted = adapted + ids;
        }

        return cat([adapted, zeros(1, _config.Hidden)], 0);
    }

    /// <summary>The module over adapted sequences [B, n, h]: L2-normalised outputs [B, n, d_out] at every position.</summary>
    public override Tensor forward(Tensor adapted)
    {
        using var scope = NewDisposeScope();
        var n = adapted.shape[1];
        var x = adapted;
        if (_position is not null)
        {
            x = x + _position.weight!.narrow(0, 0, n);
        }

        if (_inputNorm is not null)
        {
            x = _inputNorm.forward(x);
        }

        x = _inputDropout.forward(x);
        var mask = CausalMask(n);
        foreach (var layer in _layers)
        {
            x = layer.Forward(x, mask);
        }

        if (_finalNorm is not null)
        {
            x = _finalNorm.forward(x);
        }

        return nn.functional.normalize(_projection.forward(x), p: 2, dim: -1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The item tower over adapted rows [k, h] (from <see cref="AdaptItems"/>): L2-normalised candidates [k, d_out].
    /// Shared runs the module on one-item sequences; adaptor projects the rows directly; content is not handled here
    /// (its candidates are the content embeddings themselves).
    /// </summary>
    public Tensor Candidates(Tensor adaptedRows) => _config.ItemTower switch
    {
        ItemTowerKind.Shared => forward(adaptedRows.unsqueeze(1)).squeeze(1),
        ItemTowerKind.Adaptor => nn.functional.normalize(_projection.forward(adaptedRows), p: 2, dim: -1),
        _ => throw new InvalidOperationException($"Item tower {_config.ItemTower} has no candidates of the module."),
    };

    /// <summary>
    /// The causal mask [n, n] (−∞ above the diagonal), built once per length from a plain array: creating it from a
    /// scalar on every step (<c>full(n, n, −∞)</c>) failed sporadically inside libtorch's scalar conversion.
    /// </summary>
    private Tensor CausalMask(long n)
    {
        if (!_masks.TryGetValue(n, out var mask))
        {
            var values = new float[n * n];
            for (var i = 0; i < n; i++)
            {
                for (var j = i + 1; j < n; j++)
                {
                    values[(i * n) + j] = float.NegativeInfinity;
                }
            }

            mask = tensor(values, [n, n]);
            mask.DetachFromDisposeScope();
            _masks[n] = mask;
        }

        return mask;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var mask in _masks.Values)
            {
                mask.Dispose();
            }

            _masks.Clear();
        }

        base.Dispose(disposing);
    }

    private static void InitNormal(Tensor weight, double std)
    {
        using (no_grad())
        {
            weight.normal_(0, std);
        }
    }

    // The nested modules below name their fields exactly as PyTorch's state_dict (self_attn, linear1, in_proj_weight, ...):
    // TorchSharp registers a child module's fields by their names, so these names ARE the artifact contract.
#pragma warning disable IDE1006, SA1300, CA1707

    /// <summary>A post-LN or pre-LN transformer encoder layer named as PyTorch's <c>nn.TransformerEncoderLayer</c>.</summary>
    private sealed class EncoderLayer : nn.Module
    {
        private readonly SelfAttention self_attn;
        private readonly Linear linear1;
        private readonly Linear linear2;
        private readonly LayerNorm norm1;
        private readonly LayerNorm norm2;
        private readonly Dropout dropout;
        private readonly Dropout dropout1;
        private readonly Dropout dropout2;
        private readonly bool norm_first;

        public EncoderLayer(int hidden, int heads, int feedForward, double dropoutProbability, bool normFirst) : base("EncoderLayer")
        {
            norm_first = normFirst;
            self_attn = new SelfAttention(hidden, heads, dropoutProbability);
            linear1 = nn.Linear(hidden, feedForward);
            linear2 = nn.Linear(feedForward, hidden);
            norm1 = nn.LayerNorm(hidden, eps: 1e-5);
            norm2 = nn.LayerNorm(hidden, eps: 1e-5);
            dropout = nn.Dropout(dropoutProbability);
            dropout1 = nn.Dropout(dropoutProbability);
            dropout2 = nn.Dropout(dropoutProbability);
            RegisterComponents();
        }

        public Tensor Forward(Tensor x, Tensor mask)
        {
            if (norm_first)
            {
                x = x + dropout1.forward(self_attn.Forward(norm1.forward(x), mask));
                return x + dropout2.forward(FeedForward(norm2.forward(x)));
            }

            x = norm1.forward(x + dropout1.forward(self_attn.Forward(x, mask)));
            return norm2.forward(x + dropout2.forward(FeedForward(x)));
        }

        private Tensor FeedForward(Tensor x) =>
            linear2.forward(dropout.forward(nn.functional.gelu(linear1.forward(x))));
    }

    /// <summary>Multi-head self-attention with PyTorch's packed <c>in_proj_weight</c> (rows q, k, v) and <c>out_proj</c>.</summary>
    private sealed class SelfAttention : nn.Module
    {
        private readonly Parameter in_proj_weight;
        private readonly Parameter in_proj_bias;
        private readonly Linear out_proj;
        private readonly Dropout attn_dropout;
        private readonly int heads;
        private readonly double scale;

        public SelfAttention(int hidden, int headCount, double dropoutProbability) : base("SelfAttention")
        {
            heads = headCount;
            scale = 1.0 / Math.Sqrt(hidden / headCount);

            // PyTorch's MultiheadAttention initialisation: Xavier-uniform packed projection, zero biases.
            in_proj_weight = new Parameter(empty(3 * hidden, hidden));
            nn.init.xavier_uniform_(in_proj_weight);
            in_proj_bias = new Parameter(zeros(3 * hidden));
            out_proj = nn.Linear(hidden, hidden);
            using (no_grad())
            {
                out_proj.bias!.zero_();
            }

            attn_dropout = nn.Dropout(dropoutProbability);
            RegisterComponents();
        }

        public Tensor Forward(Tensor x, Tensor mask)
        {
            long batch = x.shape[0], n = x.shape[1], hidden = x.shape[2];
            var headDimension = hidden / heads;
            var qkv = nn.functional.linear(x, in_proj_weight, in_proj_bias).chunk(3, -1);
            Tensor Split(Tensor t) => t.reshape(batch, n, heads, headDimension).transpose(1, 2);
            var scores = Split(qkv[0]).matmul(Split(qkv[1]).transpose(-2, -1)) * scale;
            var weights = attn_dropout.forward(nn.functional.softmax(scores + mask, -1));
            var context = weights.matmul(Split(qkv[2])).transpose(1, 2).reshape(batch, n, hidden);
            return out_proj.forward(context);
        }
    }
#pragma warning restore IDE1006, SA1300, CA1707
}

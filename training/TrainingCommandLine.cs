using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using Actors.Encoder;
using Actors.Model;

namespace Actors.Training;

/// <summary>
/// The trainer's command line: one option per <see cref="TrainingOptions"/> property, each default taken from a fresh
/// <see cref="TrainingOptions"/>, numbers read in the invariant culture, and a bad value refused with a message that
/// names its option. <c>--help</c> lists every option with its default.
/// </summary>
internal sealed class TrainingCommandLine
{
    /// <summary>The exit code of a command line that does not parse (what the hand-written parser returned too).</summary>
    public const int UsageExitCode = 2;

    private static readonly TrainingOptions Defaults = new();

    private readonly Option<string> _dataset = Folder("--dataset", "DIR", "The UniSRec data-set folder (required).", mustExist: true);
    private readonly Option<string> _out = Folder("--out", "MODELDIR", "The artifact folder to write (required; with --refit-fusion, the artifact to refit).", mustExist: false);
    private readonly Option<string?> _embeddingCache = new("--embedding-cache")
    {
        HelpName = "DIR",
        Description = $"Folder of the content-embedding cache. Default: {Path.GetFullPath(ContentEmbeddingCache.DefaultDirectory)}.",
    };

    private readonly Option<string> _model = Choice("--model", "LEARN (content) or SASRec (ids).", "learn", "learn", "sasrec");
    private readonly Option<bool> _itemIds = Flag("--item-ids", "Adds learned item-id embeddings to the adaptor output (content + ID fusion). Default: on.");
    private readonly Option<bool> _noItemIds = Flag("--no-item-ids", "Content only: no item-id embeddings (LEARN; SASRec always has them). Default: off.");
    private readonly Option<string> _itemTower = Choice(
        "--item-tower", "Item tower: adaptor (a candidate tower of its own), shared (LEARN (a)/(b)) or content ((c)).", "adaptor", "shared", "content", "adaptor");

    private readonly Option<int> _epochs = Int("--epochs", "Maximum epochs (the cosine schedule spans them).", Defaults.Epochs, min: 1);
    private readonly Option<int> _seed = Int("--seed", "Seed of every random choice (torch and sampling).", Defaults.Seed, min: int.MinValue);
    private readonly Option<int> _hidden = Int("--hidden", "Transformer width.", Defaults.Hidden, min: 1);
    private readonly Option<int> _layers = Int("--layers", "Encoder layers.", Defaults.Layers, min: 1);
    private readonly Option<int> _heads = Int("--heads", "Attention heads (must divide --hidden).", Defaults.Heads, min: 1);
    private readonly Option<int> _feedForward = Int("--ff", "Feed-forward width; 0 = 4 × hidden.", Defaults.FeedForward, min: 0);
    private readonly Option<int> _outputDimension = Int("--output-dim", "Output dimension (ignored with --item-tower content, which needs d_c).", Defaults.OutputDimension, min: 1);
    private readonly Option<bool> _normFirst = Flag("--norm-first", "Pre-LN (with a final LayerNorm) instead of post-LN. Default: off.");
    private readonly Option<bool> _inputNorm = Flag("--input-norm", "LayerNorm on the user tower's input rows (SASRec/RecBole). Default: off.");
    private readonly Option<bool> _noInputNorm = Flag("--no-input-norm", "Turns --input-norm off. Default: off.");
    private readonly Option<string> _positions = Choice("--positions", "Position information.", "learned", "none", "learned");
    private readonly Option<int> _maxLength = Int("--max-length", "History window.", Defaults.MaxLength, min: 1);
    private readonly Option<double> _temperature = Real("--temperature", "InfoNCE temperature.", Defaults.Temperature, v => v > 0, "a number above 0");
    private readonly Option<string> _negatives = Choice("--negatives", "Negatives of the loss: every other catalog item, or the other targets of the batch.", "all", "inbatch", "all");
    private readonly Option<double> _dropout = Real("--dropout", "Dropout probability.", Defaults.Dropout, IsProbability, "a probability in [0, 1)");
    private readonly Option<int> _batchSize = Int("--batch-size", "Users per batch.", Defaults.BatchSize, min: 1);
    private readonly Option<double> _learningRate = Real("--lr", "Peak learning rate.", Defaults.LearningRate, v => v > 0, "a number above 0");
    private readonly Option<double> _weightDecay = Real("--weight-decay", "AdamW weight decay.", Defaults.WeightDecay, v => v >= 0, "a number of at least 0");
    private readonly Option<double?> _idWeightDecay = OptionalReal(
        "--id-weight-decay", "AdamW weight decay of the item-id table alone. Default: --weight-decay (one group).", v => v >= 0, "a number of at least 0");
    private readonly Option<double> _idDropout = Real("--id-dropout", "Element-wise dropout on the item-id table rows, training only.", Defaults.IdDropout, IsProbability, "a probability in [0, 1)");
    private readonly Option<double?> _idRowDropout = OptionalReal(
        "--id-row-dropout", "Whole-row dropout on the item-id table, training only. Default: 0.5 for learn, 0 for sasrec.", IsProbability, "a probability in [0, 1)");
    private readonly Option<double> _warmup = Real("--warmup", "Fraction of all steps spent warming up linearly.", Defaults.WarmupFraction, v => v is >= 0 and <= 1, "a fraction in [0, 1]");
    private readonly Option<int> _sampledPositions = Int("--sampled-positions", "N_h: history positions sampled per user sequence.", Defaults.SampledPositions, min: 1);
    private readonly Option<int> _sampledTargets = Int("--sampled-targets", "N_t: later items sampled per position.", Defaults.SampledTargets, min: 1);
    private readonly Option<int> _targetWindow = Int("--target-window", "How far ahead targets may lie (1 = the next item only).", Defaults.TargetWindow, min: 1);
    private readonly Option<double> _alpha = Real("--alpha", "Recency weighting α of w_i = log(α + i(β−α)/(N−1)).", Defaults.Alpha, double.IsFinite, "a finite number");
    private readonly Option<double> _beta = Real("--beta", "Recency weighting β.", Defaults.Beta, double.IsFinite, "a finite number");
    private readonly Option<int> _patience = Int("--patience", "Epochs without a better validation NDCG@10 before stopping.", Defaults.Patience, min: 1);
    private readonly Option<int> _threads = Int("--threads", "Torch threads; 0 = the core count.", Defaults.Threads, min: 0);
    private readonly Option<int> _maxUsers = Int("--max-users", "Limit on training users (0 = all); for smoke tests.", Defaults.MaxUsers, min: 0);
    private readonly Option<bool> _maskHistoryNegatives = Flag(
        "--mask-history-negatives", "With --negatives all: each query's own history items (other than its target) are not negatives. Default: off.");
    private readonly Option<string> _crops = Choice("--crops", "The window of a long training sequence a step trains on: the most recent items, or one ending at a random position.", "last", "last", "random");
    private readonly Option<bool> _quiet = Flag("--quiet", "Plain progress lines, no live display. Default: off.");
    private readonly Option<bool> _refitFusion = Flag(
        "--refit-fusion", "Trains nothing: re-chooses the served fusion of the artifact in --out on --dataset's validation split and rewrites its manifest. Default: off.");

    public TrainingCommandLine()
    {
        Command = new RootCommand("Trains LEARN's preference-alignment towers (or the SASRec baseline) and writes an artifact Actors.Model serves. The defaults reproduce the shipped model (training/EXPERIMENTS.md).")
        {
            _dataset, _out, _embeddingCache, _model, _itemIds, _noItemIds, _itemTower, _epochs, _seed, _hidden, _layers, _heads,
            _feedForward, _outputDimension, _normFirst, _inputNorm, _noInputNorm, _positions, _maxLength, _temperature, _negatives,
            _dropout, _batchSize, _learningRate, _weightDecay, _idWeightDecay, _idDropout, _idRowDropout, _warmup,
            _sampledPositions, _sampledTargets, _targetWindow, _alpha, _beta, _patience, _threads, _maxUsers,
            _maskHistoryNegatives, _crops, _quiet, _refitFusion,
        };
        Command.Validators.Add(result =>
        {
            // Only when both parsed: a bad --hidden or --heads has its own message already.
            if (TryGetValue(result, _hidden, Defaults.Hidden, out var hidden) && TryGetValue(result, _heads, Defaults.Heads, out var heads) && hidden % heads != 0)
            {
                result.AddError($"--hidden ({hidden}) must be divisible by --heads ({heads}).");
            }
        });
    }

    /// <summary>The root command; its action is the caller's.</summary>
    public RootCommand Command { get; }

    public ParseResult Parse(IReadOnlyList<string> args) => Command.Parse(args);

    /// <summary>The options of a command line that parsed without errors.</summary>
    public TrainingOptions Bind(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new TrainingOptions
        {
            Dataset = parse.GetRequiredValue(_dataset),
            Output = parse.GetRequiredValue(_out),
            EmbeddingCache = parse.GetValue(_embeddingCache),
            Model = parse.GetRequiredValue(_model) == "sasrec" ? ModelKind.SasRec : ModelKind.Learn,
            ItemIds = LastOf(parse, _itemIds, _noItemIds, Defaults.ItemIds),
            ItemTower = parse.GetRequiredValue(_itemTower) switch
            {
                "shared" => ItemTowerKind.Shared,
                "content" => ItemTowerKind.Content,
                _ => ItemTowerKind.Adaptor,
            },
            Epochs = parse.GetValue(_epochs),
            Seed = parse.GetValue(_seed),
            Hidden = parse.GetValue(_hidden),
            Layers = parse.GetValue(_layers),
            Heads = parse.GetValue(_heads),
            FeedForward = parse.GetValue(_feedForward),
            OutputDimension = parse.GetValue(_outputDimension),
            NormFirst = parse.GetValue(_normFirst),
            InputNorm = LastOf(parse, _inputNorm, _noInputNorm, Defaults.InputNorm),
            Positions = parse.GetRequiredValue(_positions) == "none" ? PositionEncoding.None : PositionEncoding.Learned,
            MaxLength = parse.GetValue(_maxLength),
            Temperature = parse.GetValue(_temperature),
            Negatives = parse.GetRequiredValue(_negatives) == "inbatch" ? NegativeKind.InBatch : NegativeKind.All,
            Dropout = parse.GetValue(_dropout),
            BatchSize = parse.GetValue(_batchSize),
            LearningRate = parse.GetValue(_learningRate),
            WeightDecay = parse.GetValue(_weightDecay),
            IdWeightDecay = parse.GetValue(_idWeightDecay),
            IdDropout = parse.GetValue(_idDropout),
            IdRowDropout = parse.GetValue(_idRowDropout),
            WarmupFraction = parse.GetValue(_warmup),
            SampledPositions = parse.GetValue(_sampledPositions),
            SampledTargets = parse.GetValue(_sampledTargets),
            TargetWindow = parse.GetValue(_targetWindow),
            Alpha = parse.GetValue(_alpha),
            Beta = parse.GetValue(_beta),
            MaskHistoryNegatives = parse.GetValue(_maskHistoryNegatives),
            Crops = parse.GetRequiredValue(_crops) == "random" ? CropKind.Random : CropKind.Last,
            Patience = parse.GetValue(_patience),
            Threads = parse.GetValue(_threads),
            MaxUsers = parse.GetValue(_maxUsers),
            RefitFusion = parse.GetValue(_refitFusion),
            Quiet = parse.GetValue(_quiet),
        };
    }

    private static bool IsProbability(double value) => value is >= 0 and < 1;

    /// <summary>A flag and its negation: the one given last wins (as with the hand-written parser), else the default.</summary>
    private static bool LastOf(ParseResult parse, Option<bool> on, Option<bool> off, bool fallback)
    {
        var onAt = LastIndex(parse, on);
        var offAt = LastIndex(parse, off);
        if (onAt < 0 && offAt < 0)
        {
            return fallback;
        }

        return onAt > offAt ? parse.GetValue(on) : !parse.GetValue(off);
    }

    private static int LastIndex(ParseResult parse, Option option)
    {
        for (var i = parse.Tokens.Count - 1; i >= 0; i--)
        {
            if (parse.Tokens[i].Type == TokenType.Option && parse.Tokens[i].Value == option.Name)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>An option's value inside a command validator, which runs before the defaults are filled in.</summary>
    private static bool TryGetValue(CommandResult result, Option<int> option, int fallback, out int value)
    {
        value = fallback;
        if (result.GetResult(option) is not { Implicit: false } given)
        {
            return true;
        }

        try
        {
            value = given.GetValueOrDefault<int>();
            return true;
        }
        catch (InvalidOperationException)
        {
            // The value did not parse; its option has reported that.
            return false;
        }
    }

    private static Option<string> Folder(string name, string helpName, string description, bool mustExist)
    {
        var option = new Option<string>(name) { HelpName = helpName, Description = description, Required = true };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (string.IsNullOrWhiteSpace(value))
            {
                result.AddError($"{name} must name a folder.");
            }
            else if (mustExist && !Directory.Exists(value))
            {
                result.AddError($"{name} is '{value}'; no such folder.");
            }
        });
        return option;
    }

    private static Option<bool> Flag(string name, string description) => new(name) { Description = description };

    /// <summary>A value from a fixed list, spelled exactly (lower case), as the hand-written parser took it.</summary>
    private static Option<string> Choice(string name, string description, string defaultValue, params string[] choices)
    {
        var option = new Option<string>(name)
        {
            HelpName = string.Join('|', choices),
            Description = description,
            DefaultValueFactory = _ => defaultValue,
        };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!choices.Contains(value, StringComparer.Ordinal))
            {
                var quoted = choices.Select(c => $"'{c}'").ToArray();
                result.AddError($"{name} is '{value}'; expected {string.Join(", ", quoted[..^1])} or {quoted[^1]}.");
            }
        });
        return option;
    }

    private static Option<int> Int(string name, string description, int defaultValue, int min) => new(name)
    {
        HelpName = "N",
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result =>
        {
            var text = result.Tokens[0].Value;
            if (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min)
            {
                return value;
            }

            result.AddError(min == int.MinValue ? $"{name} is '{text}'; expected an integer." : $"{name} is '{text}'; expected an integer of at least {min}.");
            return defaultValue;
        },
    };

    private static Option<double> Real(string name, string description, double defaultValue, Func<double, bool> valid, string expected) => new(name)
    {
        HelpName = "X",
        Description = description,
        DefaultValueFactory = _ => defaultValue,
        CustomParser = result => ParseReal(result, name, valid, expected) ?? defaultValue,
    };

    private static Option<double?> OptionalReal(string name, string description, Func<double, bool> valid, string expected) => new(name)
    {
        HelpName = "X",
        Description = description,
        CustomParser = result => ParseReal(result, name, valid, expected),
    };

    private static double? ParseReal(ArgumentResult result, string name, Func<double, bool> valid, string expected)
    {
        var text = result.Tokens[0].Value;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && valid(value))
        {
            return value;
        }

        result.AddError($"{name} is '{text}'; expected {expected}.");
        return null;
    }
}

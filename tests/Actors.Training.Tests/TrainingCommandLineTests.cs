using System.CommandLine;
using Actors.Model;

namespace Actors.Training.Tests;

/// <summary>The trainer's command line: the old flags, the old defaults, and bad values refused by name.</summary>
public sealed class TrainingCommandLineTests
{
    private static readonly string Dataset = Path.GetTempPath();

    [Fact]
    public void BareCommand_GivesTheDefaultsOfTheHandWrittenParser()
    {
        var options = Bind("--dataset", Dataset, "--out", "models/x");

        // Written out rather than `new TrainingOptions()`, so a changed default in either place fails here.
        var expected = new TrainingOptions
        {
            Dataset = Dataset,
            Output = "models/x",
            EmbeddingCache = null,
            Model = ModelKind.Learn,
            ItemIds = true,
            Epochs = 60,
            Seed = 42,
            Hidden = 128,
            Layers = 2,
            Heads = 2,
            FeedForward = 0,
            OutputDimension = 64,
            NormFirst = false,
            Positions = PositionEncoding.Learned,
            InputNorm = false,
            MaxLength = 50,
            ItemTower = ItemTowerKind.Adaptor,
            Temperature = 0.05,
            Negatives = NegativeKind.All,
            Dropout = 0.3,
            BatchSize = 256,
            LearningRate = 1e-3,
            WeightDecay = 0.01,
            IdWeightDecay = null,
            IdDropout = 0,
            IdRowDropout = null,
            WarmupFraction = 0.05,
            SampledPositions = 10,
            SampledTargets = 1,
            TargetWindow = 1,
            Alpha = 10,
            Beta = 10000,
            MaskHistoryNegatives = false,
            Crops = CropKind.Last,
            Patience = 5,
            Threads = 0,
            MaxUsers = 0,
            RefitFusion = false,
            Quiet = false,
        };
        Assert.Equal(expected, options);
    }

    [Fact]
    public void EveryFlag_SetsItsOwnProperty()
    {
        var options = Bind(
            "--dataset", Dataset, "--out", "m", "--embedding-cache", "cache", "--model", "sasrec", "--no-item-ids",
            "--item-tower", "content", "--epochs", "7", "--seed", "3", "--hidden", "64", "--layers", "1", "--heads", "4",
            "--ff", "32", "--output-dim", "16", "--norm-first", "--input-norm", "--positions", "none", "--max-length", "20",
            "--temperature", "0.1", "--negatives", "inbatch", "--dropout", "0.2", "--batch-size", "32", "--lr", "2e-3",
            "--weight-decay", "0.1", "--id-weight-decay", "1.0", "--id-dropout", "0.3", "--id-row-dropout", "0.7",
            "--warmup", "0.1", "--sampled-positions", "50", "--sampled-targets", "2", "--target-window", "3",
            "--alpha", "2", "--beta", "100", "--mask-history-negatives", "--crops", "random", "--patience", "10",
            "--threads", "1", "--max-users", "100", "--refit-fusion", "--quiet");

        var defaults = new TrainingOptions();
        var unchanged = typeof(TrainingOptions).GetProperties()
            .Where(p => p.CanWrite && Equals(p.GetValue(options), p.GetValue(defaults)))
            .Select(p => p.Name)
            .ToArray();
        Assert.Empty(unchanged);
        Assert.Equal(2e-3, options.LearningRate);
        Assert.Equal(ItemTowerKind.Content, options.ItemTower);
    }

    [Theory]
    [InlineData("--item-ids --no-item-ids", false)]
    [InlineData("--no-item-ids --item-ids", true)]
    [InlineData("--no-item-ids", false)]
    public void ItemIdsAndItsNegation_TheLastGivenWins(string flags, bool expected)
    {
        var options = Bind(["--dataset", Dataset, "--out", "m", .. flags.Split(' ')]);
        Assert.Equal(expected, options.ItemIds);
    }

    [Theory]
    [InlineData("--lr", "--lr 1,5")]
    [InlineData("--lr", "--lr 0")]
    [InlineData("--epochs", "--epochs ten")]
    [InlineData("--model", "--model bert")]
    [InlineData("--negatives", "--negatives All")]
    [InlineData("--id-dropout", "--id-dropout 1")]
    [InlineData("--id-row-dropout", "--id-row-dropout -0.1")]
    [InlineData("--heads", "--hidden 10 --heads 3")]
    [InlineData("--batch-size", "--batch-size 0")]
    [InlineData("--dataset", "--dataset /no/such/folder")]
    public void BadValue_IsRefused_NamingItsOption(string option, string flags)
    {
        var args = flags.Split(' ').ToList();
        if (!args.Contains("--dataset"))
        {
            args.AddRange(["--dataset", Dataset]);
        }

        var parse = new TrainingCommandLine().Parse([.. args, "--out", "m"]);
        var error = Assert.Single(parse.Errors);
        Assert.Contains(option, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--dataset", "--out m")]
    [InlineData("--out", "--dataset .")]
    public void MissingRequiredFolder_IsRefused_NamingIt(string option, string flags)
    {
        var parse = new TrainingCommandLine().Parse(flags.Split(' '));
        Assert.Contains(parse.Errors, e => e.Message.Contains(option, StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownFlag_IsRefused()
    {
        var parse = new TrainingCommandLine().Parse(["--dataset", Dataset, "--out", "m", "--item-id"]);
        Assert.Contains(parse.Errors, e => e.Message.Contains("--item-id", StringComparison.Ordinal));
    }

    [Fact]
    public void Help_ListsEveryOptionWithItsDefault()
    {
        var commandLine = new TrainingCommandLine();
        var output = new StringWriter();
        var exitCode = commandLine.Parse(["--help"]).Invoke(new InvocationConfiguration { Output = output });

        Assert.Equal(0, exitCode);
        var lines = output.ToString().Split('\n');
        foreach (var option in commandLine.Command.Options.Where(o => o.Name is not ("--help" or "--version")))
        {
            var line = Assert.Single(lines, l => l.TrimStart().StartsWith(option.Name + " ", StringComparison.Ordinal));
            Assert.True(
                line.Contains("[default: ", StringComparison.Ordinal) || line.Contains("Default: ", StringComparison.Ordinal)
                    || line.Contains("(REQUIRED)", StringComparison.Ordinal),
                $"--help does not state the default of {option.Name}: {line}");
        }
    }

    private static TrainingOptions Bind(params string[] args)
    {
        var commandLine = new TrainingCommandLine();
        var parse = commandLine.Parse(args);
        Assert.Empty(parse.Errors);
        return commandLine.Bind(parse);
    }
}

using System.CommandLine;

namespace Actors.Chaos;

/// <summary>What a chaos command line asks for: the run's size and the files it works with (full paths).</summary>
internal sealed record ChaosArguments(ChaosSettings Settings, string SiloDll, string DatasetDirectory, string? PidFile);

/// <summary>
/// The chaos driver's command line (scripts/chaos.sh passes every flag): <c>--silo</c> and <c>--dataset</c> required and
/// checked to exist, <c>--quick</c> for the short variant. Bad values are refused with a message that names the option.
/// </summary>
internal sealed class ChaosCommandLine
{
    /// <summary>The exit code of a command line that does not parse; 1 is a chaos run that failed its checks.</summary>
    public const int UsageExitCode = 2;

    private readonly Option<string> _silo = Existing("--silo", "PATH", "The Release Actors.Silo.dll to start three times (required).", File.Exists, "no such file");
    private readonly Option<string> _dataset = Existing("--dataset", "PATH", "The data set whose items and users the load uses, data/Scientific (required).", Directory.Exists, "no such folder");
    private readonly Option<string?> _pidFile = new("--pid-file")
    {
        HelpName = "FILE",
        Description = "A file the driver appends every silo's process id to, so that the script can end silos a crashed driver left. Default: none.",
    };

    private readonly Option<bool> _quick = new("--quick")
    {
        Description = "The shorter variant scripts/test.sh runs: fewer items, users and load, no graceful restart. Default: off (the full run).",
    };

    public ChaosCommandLine()
    {
        Command = new RootCommand("The chaos run behind scripts/chaos.sh: three silos on Azurite (AZURITE_CONNECTION_STRING), steady load, SIGKILL and SIGSTOP of silos, checks, a whole-cluster SIGKILL and restart.")
        {
            _silo, _dataset, _pidFile, _quick,
        };
    }

    public RootCommand Command { get; }

    public ParseResult Parse(IReadOnlyList<string> args) => Command.Parse(args);

    /// <summary>The arguments of a command line that parsed without errors.</summary>
    public ChaosArguments Bind(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new ChaosArguments(
            parse.GetValue(_quick) ? ChaosSettings.Quick : ChaosSettings.Full,
            Path.GetFullPath(parse.GetRequiredValue(_silo)),
            Path.GetFullPath(parse.GetRequiredValue(_dataset)),
            parse.GetValue(_pidFile));
    }

    private static Option<string> Existing(string name, string helpName, string description, Func<string, bool> exists, string missing)
    {
        var option = new Option<string>(name) { HelpName = helpName, Description = description, Required = true };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (string.IsNullOrWhiteSpace(value) || !exists(value))
            {
                result.AddError($"{name} is '{value}'; {missing}.");
            }
        });
        return option;
    }
}

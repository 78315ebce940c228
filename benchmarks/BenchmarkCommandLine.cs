using System.CommandLine;
using System.CommandLine.Parsing;
using Actors.Benchmarks.Load;

namespace Actors.Benchmarks;

/// <summary>
/// The benchmarks' command line: <c>micro</c> (BenchmarkDotNet; its own arguments pass through), <c>load</c> (the load
/// harness) and <c>page</c> (re-renders the performance page from a saved run). Bad values are refused with a message
/// that names the option; <c>--help</c> lists every option with its default.
/// </summary>
internal sealed class BenchmarkCommandLine
{
    /// <summary>The exit code of a command line that does not parse (what the hand-written usage message returned too).</summary>
    public const int UsageExitCode = 2;

    /// <summary>The parts <c>--only</c> takes, in the order the harness runs them.</summary>
    public static readonly string[] Parts = ["tower", "encoder", "events", "retrieval"];

    private readonly Option<bool> _quick = new("--quick")
    {
        Description = "The short run for checks: retrieval at 100,000 items only, fewer texts, events and queries. Default: off (the full run).",
    };

    private readonly Option<string?> _json = new("--json") { HelpName = "FILE", Description = "Where the JSON figures go. Default: not written." };
    private readonly Option<string> _doc = DocOption();
    private readonly Option<string?> _model = new("--model")
    {
        HelpName = "PATH|random|content",
        Description = "An artifact folder, 'random' (LEARN's shape, seeded weights) or 'content' (no alignment model). Default: models/learn-scientific when present, else content.",
    };

    private readonly Option<string?> _only = OnlyOption();
    private readonly Option<string> _pageJson = new("--json") { HelpName = "FILE", Description = "The JSON a full load run wrote.", Required = true };
    private readonly Option<string> _pageDoc = DocOption();

    public BenchmarkCommandLine()
    {
        Micro = new Command("micro", "BenchmarkDotNet micro-benchmarks of the hot paths. Other arguments go to BenchmarkDotNet (e.g. --filter '*TopK*'); without a filter, the whole suite.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        Load = new Command("load", "The load harness: the cluster against the raw libraries, measured in one run; writes the JSON and the performance page.")
        {
            _quick, _json, _doc, _model, _only,
        };
        Page = new Command("page", "Re-renders the performance page from the JSON of an earlier full load run.") { _pageJson, _pageDoc };
        Command = new RootCommand("Actors benchmarks: micro-benchmarks and the load harness.") { Micro, Load, Page };
    }

    public RootCommand Command { get; }

    public Command Micro { get; }

    public Command Load { get; }

    public Command Page { get; }

    public ParseResult Parse(IReadOnlyList<string> args) => Command.Parse(args);

    /// <summary>BenchmarkDotNet's arguments of a <c>micro</c> command line: as given, plus <c>--filter *</c> when there is no filter.</summary>
    public static string[] MicroArguments(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        string[] rest = [.. parse.UnmatchedTokens];

        // Without a filter BenchmarkDotNet asks interactively; the default is the whole suite.
        return rest.Any(a => a.StartsWith("--filter", StringComparison.Ordinal) || a == "-f") ? rest : [.. rest, "--filter", "*"];
    }

    /// <summary>The settings of a <c>load</c> command line that parsed without errors.</summary>
    public LoadSettings LoadSettings(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var json = parse.GetValue(_json);
        return new LoadSettings
        {
            CommandLine = "dotnet run -c Release --project benchmarks -- load " + string.Join(' ', ArgumentsAfter(parse, Load)),
            Quick = parse.GetValue(_quick),
            JsonPath = json is null ? null : Path.GetFullPath(json),
            DocPath = Path.GetFullPath(parse.GetRequiredValue(_doc)),
            Model = parse.GetValue(_model),
            Only = parse.GetValue(_only),
        };
    }

    /// <summary>The files of a <c>page</c> command line that parsed without errors.</summary>
    public (string JsonPath, string DocPath) PageFiles(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return (Path.GetFullPath(parse.GetRequiredValue(_pageJson)), Path.GetFullPath(parse.GetRequiredValue(_pageDoc)));
    }

    /// <summary>The tokens after <paramref name="command"/>'s own, as typed (the report quotes them).</summary>
    private static IEnumerable<string> ArgumentsAfter(ParseResult parse, Command command)
    {
        var at = -1;
        for (var i = 0; i < parse.Tokens.Count && at < 0; i++)
        {
            if (parse.Tokens[i].Type == TokenType.Command && parse.Tokens[i].Value == command.Name)
            {
                at = i;
            }
        }

        return parse.Tokens.Skip(at + 1).Select(t => t.Value);
    }

    private static Option<string> DocOption() => new("--doc")
    {
        HelpName = "FILE",
        Description = "Where the generated Markdown page goes.",
        // docs/performance.md of the repository; evaluated only when a load or page command line is parsed.
        DefaultValueFactory = _ => new LoadSettings().DocPath,
    };

    private static Option<string?> OnlyOption()
    {
        var option = new Option<string?>("--only")
        {
            HelpName = string.Join('|', Parts),
            Description = "Runs one part only, for profiling; the page is then not written. Default: every part.",
        };
        option.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string?>();
            if (value is not null && !Parts.Contains(value, StringComparer.Ordinal))
            {
                result.AddError($"--only is '{value}'; expected {string.Join(", ", Parts[..^1])} or {Parts[^1]}.");
            }
        });
        return option;
    }
}

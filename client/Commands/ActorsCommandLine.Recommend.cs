using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Spectre.Console;

namespace Actors.Client.Commands;

/// <summary><c>actors recommend</c>: one user's recommendations as a table (<c>--user</c>), or many users' as JSON lines (<c>--users</c>).</summary>
internal static partial class ActorsCommandLine
{
    /// <summary>Most queries <c>--concurrency</c> allows at once: beyond this a client only queues in the gateway.</summary>
    private const int MaxConcurrency = 1024;

    private static Command RecommendCommand()
    {
        var user = new Option<string?>("--user") { Description = "User id: their recommendations as a table." };
        user.Validators.Add(result => RequireId(result.GetValueOrDefault<string?>(), "--user", result.AddError));
        var users = new Option<string?>("--users")
        {
            Description = "File of user ids, one a line ('#' lines and blank lines skipped; - reads standard input): one JSON line per user, in file order.",
            HelpName = "FILE",
        };
        users.Validators.Add(result =>
        {
            if (UserIds.CheckFile(result.GetValueOrDefault<string?>() ?? "", "--users") is { } problem)
            {
                result.AddError(problem);
            }
        });
        var output = new Option<FileInfo?>("--output") { Description = "With --users: write the JSON lines to this file (replaced) instead of standard output.", HelpName = "FILE" };
        output.Validators.Add(result =>
        {
            var file = result.GetValueOrDefault<FileInfo?>();
            if (file?.Directory is { Exists: false } folder)
            {
                result.AddError($"--output: folder '{folder.FullName}' does not exist.");
            }
        });
        var concurrency = new Option<int>("--concurrency")
        {
            Description = $"With --users: queries at once (1..{MaxConcurrency}).",
            DefaultValueFactory = _ => 16,
        };
        concurrency.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<int>();
            if (value is < 1 or > MaxConcurrency)
            {
                result.AddError($"--concurrency must be in 1..{MaxConcurrency}; got {value}.");
            }
        });
        var noReasons = new Option<bool>("--no-reasons")
        {
            Description = "Leave out which history item each recommendation is closest to (saves one call to every silo per user).",
        };
        var k = KOption();
        var command = new Command("recommend", "Show a user's recommendations, or write many users' as JSON lines.") { user, users, k, output, concurrency, noReasons };
        command.Validators.Add(result =>
        {
            var one = result.GetResult(user) is not null;
            var many = result.GetResult(users) is not null;
            if (one == many)
            {
                result.AddError(one ? "--user and --users cannot be used together: give one user or a file of users." : "--user or --users is required.");
            }
            else if (one && (result.GetResult(output) is not null || result.GetResult(concurrency) is { Implicit: false }))
            {
                result.AddError("--output and --concurrency go with --users, not --user.");
            }
        });
        command.SetAction((parse, ct) => parse.GetValue(users) is { } file
            ? RecommendManyAsync(parse, file, parse.GetValue(k), parse.GetValue(concurrency), parse.GetValue(output), Options(parse.GetValue(noReasons)), ct)
            : RunAsync(parse, async client =>
            {
                var userId = parse.GetRequiredValue(user)!;
                var result = await client.GetGrain<IRetrievalGrain>(0).RecommendAsync(userId, parse.GetValue(k), Options(parse.GetValue(noReasons)), ct);
                var model = result.ModelVersion is null ? "" : $", model {result.ModelVersion}{(result.Experiment is null ? "" : $" in experiment {result.Experiment}")}";
                WriteItems($"Recommendations for {userId} ({result.Source}{model})", result.Items);
            }, ct));
        return command;
    }

    private static RecommendOptions? Options(bool noReasons) => noReasons ? new RecommendOptions(Reasons: false) : null;

    /// <summary>
    /// <c>recommend --users</c>: standard output (or <paramref name="output"/>) holds the JSON lines only; failures,
    /// the count of failed users and progress (when standard error is a terminal) go to standard error. Exits 1 when
    /// any user failed.
    /// </summary>
    private static Task<int> RecommendManyAsync(ParseResult parse, string usersFile, int k, int concurrency, FileInfo? output, RecommendOptions? options, CancellationToken cancellationToken)
    {
        var errors = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return RunAsync(parse, async client =>
        {
            using var input = UserIds.Open(usersFile);
            await using var writer = output is null
                ? new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false))
                : new StreamWriter(output.FullName, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            var progress = Console.IsErrorRedirected ? null : ProgressOnStandardError();
            var result = await new BulkRecommender(client, k, concurrency, options).RunAsync(UserIds.ReadAsync(input, cancellationToken), writer, progress, cancellationToken);
            if (progress is not null)
            {
                await Console.Error.WriteLineAsync();
            }
            if (result.Failed == 0)
            {
                return 0;
            }
            errors.MarkupLineInterpolated(CultureInfo.InvariantCulture, $"[red]error:[/] {result.Failed} of {result.Users} users failed; their lines hold an \"error\" instead of items.");
            return 1;
        }, errors, cancellationToken);
    }

    /// <summary>Users done and the rate so far, rewritten in place on one line of standard error.</summary>
    private static SynchronousProgress ProgressOnStandardError()
    {
        var watch = Stopwatch.StartNew();
        // Progress<T> would post to the thread pool and could print out of order; reports are printed as they come.
        return new SynchronousProgress(done =>
            Console.Error.Write(string.Create(CultureInfo.InvariantCulture, $"\r{done} users, {done / Math.Max(watch.Elapsed.TotalSeconds, 1e-3):F0}/s   ")));
    }
}

/// <summary>An <see cref="IProgress{T}"/> that runs <paramref name="report"/> on the reporting thread, in report order.</summary>
internal sealed class SynchronousProgress(Action<int> report) : IProgress<int>
{
    public void Report(int value) => report(value);
}

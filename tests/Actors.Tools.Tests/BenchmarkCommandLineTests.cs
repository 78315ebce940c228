using Actors.Benchmarks;

namespace Actors.Tools.Tests;

/// <summary>The benchmarks' command line: the old flags and defaults, BenchmarkDotNet's arguments passed through, bad values refused by name.</summary>
public sealed class BenchmarkCommandLineTests
{
    [Fact]
    public void BareLoad_GivesTheFullRunWithThePageInDocs()
    {
        var commandLine = new BenchmarkCommandLine();
        var parse = commandLine.Parse(["load"]);
        Assert.Empty(parse.Errors);

        var settings = commandLine.LoadSettings(parse);
        Assert.False(settings.Quick);
        Assert.Null(settings.JsonPath);
        Assert.Null(settings.Model);
        Assert.Null(settings.Only);
        Assert.Equal(Path.Combine(RepositoryPaths.Root, "docs", "performance.md"), settings.DocPath);
        Assert.Equal("dotnet run -c Release --project benchmarks -- load ", settings.CommandLine);
        Assert.Equal([100_000, 1_000_000], settings.CatalogSizes);
    }

    [Fact]
    public void LoadFlags_SetTheirSettings_AndTheReportQuotesThem()
    {
        var commandLine = new BenchmarkCommandLine();
        var parse = commandLine.Parse(["load", "--quick", "--only", "events", "--json", "perf.json", "--model", "random", "--doc", "page.md"]);
        Assert.Empty(parse.Errors);

        var settings = commandLine.LoadSettings(parse);
        Assert.True(settings.Quick);
        Assert.Equal("events", settings.Only);
        Assert.Equal("random", settings.Model);
        Assert.Equal(Path.GetFullPath("perf.json"), settings.JsonPath);
        Assert.Equal(Path.GetFullPath("page.md"), settings.DocPath);
        Assert.Equal("dotnet run -c Release --project benchmarks -- load --quick --only events --json perf.json --model random --doc page.md", settings.CommandLine);
        Assert.Equal([100_000], settings.CatalogSizes);
    }

    [Theory]
    [InlineData("--only", "load --only tokens")]
    [InlineData("--json", "load --json")]
    [InlineData("--json", "page")]
    [InlineData("--quick", "page --json perf.json --quick")]
    [InlineData("--bogus", "load --bogus")]
    public void BadCommandLine_IsRefused_NamingTheArgument(string argument, string commandLine)
    {
        var parse = new BenchmarkCommandLine().Parse(commandLine.Split(' '));
        Assert.Contains(parse.Errors, e => e.Message.Contains(argument, StringComparison.Ordinal));
    }

    [Fact]
    public void NoCommand_IsRefused()
    {
        Assert.NotEmpty(new BenchmarkCommandLine().Parse([]).Errors);
    }

    [Theory]
    [InlineData("micro", "--filter *")]
    [InlineData("micro --filter *TopK* --job short", "--filter *TopK* --job short")]
    [InlineData("micro -f *Hnsw*", "-f *Hnsw*")]
    [InlineData("micro --list flat", "--list flat --filter *")]
    public void Micro_PassesItsArgumentsToBenchmarkDotNet_WithTheWholeSuiteByDefault(string commandLine, string expected)
    {
        var parse = new BenchmarkCommandLine().Parse(commandLine.Split(' '));
        Assert.Empty(parse.Errors);
        Assert.Equal(expected.Split(' '), BenchmarkCommandLine.MicroArguments(parse));
    }
}

using Actors.Chaos;

namespace Actors.Tools.Tests;

/// <summary>The chaos driver's command line, as scripts/chaos.sh calls it.</summary>
public sealed class ChaosCommandLineTests
{
    private static readonly string Silo = typeof(ChaosCommandLine).Assembly.Location;
    private static readonly string Dataset = AppContext.BaseDirectory;

    [Fact]
    public void ScriptsCommandLine_GivesTheFullRun()
    {
        var arguments = Bind("--silo", Silo, "--dataset", Dataset, "--pid-file", "pids");

        Assert.Equal(ChaosSettings.Full, arguments.Settings);
        Assert.Equal(Path.GetFullPath(Silo), arguments.SiloDll);
        Assert.Equal(Path.GetFullPath(Dataset), arguments.DatasetDirectory);
        Assert.Equal("pids", arguments.PidFile);
    }

    [Fact]
    public void Quick_GivesTheShortRun_AndThePidFileIsOptional()
    {
        var arguments = Bind("--silo", Silo, "--dataset", Dataset, "--quick");

        Assert.Equal(ChaosSettings.Quick, arguments.Settings);
        Assert.Null(arguments.PidFile);
    }

    [Theory]
    [InlineData("--silo", "--dataset .")]
    [InlineData("--silo", "--silo /no/such/Actors.Silo.dll --dataset .")]
    [InlineData("--dataset", "--silo SILO")]
    [InlineData("--dataset", "--silo SILO --dataset /no/such/folder")]
    [InlineData("--quik", "--silo SILO --dataset . --quik")]
    public void BadCommandLine_IsRefused_NamingTheArgument(string argument, string commandLine)
    {
        var parse = new ChaosCommandLine().Parse(commandLine.Replace("SILO", Silo, StringComparison.Ordinal).Split(' '));
        Assert.Contains(parse.Errors, e => e.Message.Contains(argument, StringComparison.Ordinal));
    }

    private static ChaosArguments Bind(params string[] args)
    {
        var commandLine = new ChaosCommandLine();
        var parse = commandLine.Parse(args);
        Assert.Empty(parse.Errors);
        return commandLine.Bind(parse);
    }
}

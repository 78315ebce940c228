namespace Actors.Tests.Durability;

/// <summary>The Azure Storage the durability tests run against: Azurite, started by scripts/test.sh.</summary>
internal static class AzureStorageEnvironment
{
    /// <summary>The environment variable scripts/test.sh sets to Azurite's connection string.</summary>
    public const string Variable = "ACTORS_TEST_AZURE_STORAGE";

    public static string ConnectionString =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{Variable} is not set, so there is no Azure Storage to test against. Run the tests with scripts/test.sh, which installs and starts Azurite, "
                + $"or by hand: source scripts/azurite.sh && azurite_start && export {Variable}=\"$AZURITE_CONNECTION_STRING\".");
}

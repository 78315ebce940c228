using Actors.Tests.Infrastructure;

namespace Actors.Tests.Cluster;

/// <summary>
/// A bad <c>Encoder</c> value stops the silo host as it starts, with a message that names the key, rather than failing
/// the first item activation that builds the encoder.
/// </summary>
public sealed class EncoderStartupTests
{
    [Theory]
    [InlineData("Encoder:MaxTokens", "0")]
    [InlineData("Encoder:MaxTokens", "-3")]
    [InlineData("Encoder:MaxBatchSize", "0")]
    [InlineData("Encoder:MaxBatchWait", "-00:00:01")]
    [InlineData("Encoder:GpuWorkers", "0")]
    public void A_silo_with_a_bad_encoder_setting_refuses_to_start_naming_it(string key, string value)
    {
        Assert.Contains(key, StartupRefusal.Of(key, value), StringComparison.Ordinal);
    }
}

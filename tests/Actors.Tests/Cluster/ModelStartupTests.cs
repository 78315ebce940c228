using Actors.Tests.Infrastructure;

namespace Actors.Tests.Cluster;

/// <summary>A bad <c>Model</c> or <c>Experiments</c> timing stops the silo host as it starts, naming the key.</summary>
public sealed class ModelStartupTests
{
    [Theory]
    [InlineData("Model:RoutingRefresh", "00:00:00", "Model:RoutingRefresh")]
    [InlineData("Model:BuildDelay", "-00:00:01", "Model:BuildDelay")]
    [InlineData("Experiments:HitWindow", "00:00:00", "Experiments:HitWindow")]
    [InlineData("Experiments:SaveInterval", "-00:00:01", "SaveInterval")]
    public void A_silo_with_a_bad_model_or_experiment_timing_refuses_to_start_naming_it(string key, string value, string named) =>
        Assert.Contains(named, StartupRefusal.Of(key, value), StringComparison.Ordinal);
}

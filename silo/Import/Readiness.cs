using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Actors.Silo.Import;

/// <summary>Whether the silo is ready to answer: set once the first-start import (if any) has finished.</summary>
internal sealed class Readiness
{
    private volatile string _status = "starting";

    public bool IsReady { get; private set; }

    public string Status => _status;

    public void Report(string status) => _status = status;

    public void MarkReady()
    {
        _status = "ready";
        IsReady = true;
    }
}

/// <summary>Reports healthy (200) once <see cref="Readiness"/> says so, unhealthy (503) before.</summary>
internal sealed class ReadinessHealthCheck(Readiness readiness) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(readiness.IsReady ? HealthCheckResult.Healthy(readiness.Status) : HealthCheckResult.Unhealthy(readiness.Status));
}

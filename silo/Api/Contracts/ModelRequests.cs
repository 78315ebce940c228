namespace Actors.Silo.Api.Contracts;

/// <summary>
/// The body of <c>POST /experiments</c>: a name (1..64 characters of <c>A-Z a-z 0-9 . _ -</c>) and two or more arms of
/// distinct versions whose shares sum to 1.
/// </summary>
public sealed record ExperimentRequest(string Name, IReadOnlyList<ExperimentArmRequest> Arms);

/// <summary>One arm of <see cref="ExperimentRequest"/>: a model version and its share of the users, in (0, 1].</summary>
public sealed record ExperimentArmRequest(string Version, double Share);

/// <summary>The optional body of <c>POST /experiments/{name}/stop</c>: the arm that serves afterwards (none: the serving version stays).</summary>
public sealed record StopExperimentRequest(string? Promote = null);

namespace Actors.Silo.Api.Contracts;

/// <summary>
/// One model version (<c>GET /models/{version}</c>, and in <see cref="ModelRegistryResponse.Versions"/>): its index
/// slot (0: the model the silos are configured with), where it is in its life, and while it is
/// <see cref="ModelStatus.Building"/> how much of its index is built (<see cref="Progress"/>, 0..1).
/// </summary>
public sealed record ModelVersionResponse(
    string Version,
    int Slot,
    ModelStatus Status,
    string Kind,
    int Dimension,
    DateTimeOffset? UploadedAt,
    DateTimeOffset? ActivatedAt,
    long ItemsIndexed,
    long ItemsTotal,
    double Progress,
    string Source)
{
    public static ModelVersionResponse From(ModelVersionInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return new(info.Version, info.Slot, info.Status, info.Kind, info.Dimension, info.UploadedAt, info.ActivatedAt,
            info.ItemsIndexed, info.ItemsTotal, info.Progress, info.Source);
    }
}

/// <summary>
/// The registry (<c>GET /models</c>): the version serving, the one a rollback returns to, the one being activated
/// (null when none), every version, and the running experiment (null when none).
/// </summary>
public sealed record ModelRegistryResponse(
    string Serving,
    string? Previous,
    string? Activating,
    IReadOnlyList<ModelVersionResponse> Versions,
    ExperimentResponse? Experiment)
{
    public static ModelRegistryResponse From(ModelRegistryView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return new(view.Serving, view.Previous, view.Activating, Array.ConvertAll(view.Versions, ModelVersionResponse.From),
            view.Experiment is null ? null : ExperimentResponse.From(view.Experiment));
    }
}

/// <summary>
/// The running experiment (<c>GET /experiments</c>): <see cref="ExperimentStatus.Preparing"/> while an arm's index is
/// still being built, then <see cref="ExperimentStatus.Running"/>; an event counts for an arm when it comes within
/// <see cref="HitWindow"/> of an answer served to that user.
/// </summary>
public sealed record ExperimentResponse(
    string Name,
    ExperimentStatus Status,
    DateTimeOffset StartedAt,
    TimeSpan HitWindow,
    IReadOnlyList<ArmResponse> Arms)
{
    public static ExperimentResponse From(ExperimentView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        return new(view.Name, view.Status, view.StartedAt, view.HitWindow, Array.ConvertAll(view.Arms, ArmResponse.From));
    }
}

/// <summary>
/// One arm's figures so far: answers served to its users, their events within the hit window, how many of those were
/// of an item the answer held, and <see cref="HitRate"/> = hits / events with its 95 % Wilson interval
/// [<see cref="Low"/>, <see cref="High"/>] (0 and [0, 1] before any event).
/// </summary>
public sealed record ArmResponse(string Version, double Share, long Served, long Events, long Hits, double HitRate, double Low, double High)
{
    public static ArmResponse From(ArmMetrics arm)
    {
        ArgumentNullException.ThrowIfNull(arm);
        // JSON has no NaN: an arm without events has no rate yet, and its interval is all of [0, 1].
        return arm.Events == 0
            ? new(arm.Version, arm.Share, arm.Served, 0, 0, 0, 0, 1)
            : new(arm.Version, arm.Share, arm.Served, arm.Events, arm.Hits, Finite(arm.HitRate), Finite(arm.Low), Finite(arm.High, 1));
    }

    private static double Finite(double value, double otherwise = 0) => double.IsFinite(value) ? value : otherwise;
}

namespace Actors.Training;

/// <summary>
/// Linear warm-up over the first <see cref="WarmupSteps"/> steps to the peak rate, then cosine decay to zero at
/// <see cref="TotalSteps"/> (the whole run of <c>--epochs</c>, so early stopping ends on a rate above zero).
/// </summary>
internal sealed record LearningRateSchedule(double PeakRate, int WarmupSteps, int TotalSteps)
{
    /// <summary>The schedule of a run of <paramref name="stepsPerEpoch"/> steps per epoch under <paramref name="options"/>.</summary>
    public static LearningRateSchedule For(TrainingOptions options, int stepsPerEpoch)
    {
        ArgumentNullException.ThrowIfNull(options);
        var totalSteps = Math.Max(1, stepsPerEpoch * options.Epochs);
        var warmupSteps = Math.Max(1, (int)(options.WarmupFraction * totalSteps));
        return new LearningRateSchedule(options.LearningRate, warmupSteps, totalSteps);
    }

    /// <summary>The rate of step <paramref name="step"/> (0-based, counted over the whole run).</summary>
    public double At(int step)
    {
        if (step < WarmupSteps)
        {
            return PeakRate * (step + 1) / WarmupSteps;
        }

        var progress = Math.Min(1.0, (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps));
        return PeakRate * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}

namespace Actors.Evaluation;

/// <summary>Where an <see cref="EvaluationRun"/> reports how far it is: one step per stage and per table row.</summary>
public interface IEvaluationProgress
{
    /// <summary>A step of <paramref name="total"/> units, shown from now on; <paramref name="started"/> false = queued.</summary>
    IProgressStep Add(string description, int total, bool started = true);
}

/// <summary>One step: reports the units done (from any thread), one more, its start and its end.</summary>
public interface IProgressStep : IProgress<int>
{
    /// <summary>Starts a step added as queued.</summary>
    void Start();

    /// <summary>One more unit done.</summary>
    void Advance();

    /// <summary>Every unit done; the step stops.</summary>
    void Complete();
}

/// <summary>Progress that goes nowhere, for callers (tests, scripts) without a display.</summary>
public sealed class NoProgress : IEvaluationProgress, IProgressStep
{
    /// <summary>The one instance.</summary>
    public static NoProgress Instance { get; } = new();

    private NoProgress()
    {
    }

    /// <inheritdoc/>
    public IProgressStep Add(string description, int total, bool started = true) => this;

    /// <inheritdoc/>
    public void Report(int value)
    {
    }

    /// <inheritdoc/>
    public void Start()
    {
    }

    /// <inheritdoc/>
    public void Advance()
    {
    }

    /// <inheritdoc/>
    public void Complete()
    {
    }
}

using ScottPlot;

namespace Actors.Training;

/// <summary>PNG plots of a training run: the loss at every step, and the validation R@10 and N@10 after every epoch.</summary>
public static class TrainingPlots
{
    /// <summary>Writes <c>loss.png</c> and <c>validation.png</c> into <paramref name="directory"/>; returns their paths.</summary>
    public static IReadOnlyList<string> Write(IReadOnlyList<double> stepLosses, IReadOnlyList<EpochReport> epochs, string directory)
    {
        ArgumentNullException.ThrowIfNull(stepLosses);
        ArgumentNullException.ThrowIfNull(epochs);
        Directory.CreateDirectory(directory);

        var loss = new Plot();
        if (stepLosses.Count > 0)
        {
            var steps = Enumerable.Range(1, stepLosses.Count).Select(i => (double)i).ToArray();
            var line = loss.Add.ScatterLine(steps, stepLosses.ToArray());
            line.LegendText = "loss per step";
            line.LineWidth = 1;
        }
        if (epochs.Count > 0 && stepLosses.Count > 0)
        {
            // The epoch means, drawn at the step each epoch ended on.
            var perEpoch = (double)stepLosses.Count / epochs.Count;
            var means = loss.Add.ScatterPoints(epochs.Select(e => e.Epoch * perEpoch).ToArray(), epochs.Select(e => e.Loss).ToArray());
            means.LegendText = "epoch mean";
            means.MarkerSize = 8;
        }
        loss.Title("Training loss (InfoNCE)");
        loss.XLabel("step");
        loss.YLabel("loss");
        var lossPath = Path.Combine(directory, "loss.png");
        loss.SavePng(lossPath, 900, 420);

        var validation = new Plot();
        var x = epochs.Select(e => (double)e.Epoch).ToArray();
        var recall = validation.Add.Scatter(x, epochs.Select(e => e.Valid.RecallAt10).ToArray());
        recall.LegendText = "validation R@10";
        var ndcg = validation.Add.Scatter(x, epochs.Select(e => e.Valid.NdcgAt10).ToArray());
        ndcg.LegendText = "validation N@10";
        validation.Title("Validation metrics per epoch (full ranking, seen items not masked)");
        validation.XLabel("epoch");
        validation.YLabel("metric");
        validation.Legend.Alignment = Alignment.LowerRight;
        var validationPath = Path.Combine(directory, "validation.png");
        validation.SavePng(validationPath, 900, 420);
        return [lossPath, validationPath];
    }
}

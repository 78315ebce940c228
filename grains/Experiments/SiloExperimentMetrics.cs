namespace Actors.Grains.Experiments;

// PLACEHOLDER (the metrics helper's file replaces it at merge).
internal sealed class SiloExperimentMetrics
{
    private long _calls;

    public void Served(string experiment, string version)
    {
        _calls++;
    }

    public void Event(string experiment, string version, bool hit)
    {
        _calls++;
    }

    public void Watch(string? experiment)
    {
        _calls++;
    }
}

using System.Globalization;

namespace Actors.Chaos;

/// <summary>How long and how hard the run pushes.</summary>
/// <param name="Items">Catalog items imported before the load.</param>
/// <param name="NewItems">Items created by PUTs during the load (and as many again just before the whole-cluster SIGKILL).</param>
/// <param name="Users">Users the load sends events for.</param>
/// <param name="OverflowUsers">The first users, who get <paramref name="MaxEventsPerOverflowUser"/> events: more than the window holds.</param>
/// <param name="HistoryLength">The silos' <c>Users:HistoryLength</c>; the other users get at most this many events.</param>
/// <param name="MaxEventsPerOverflowUser">New events per overflowing user.</param>
/// <param name="LoadBeforePause">Load before one silo is paused (SIGSTOP).</param>
/// <param name="LoadAfterResume">Load after the paused silo has left the cluster and a new one has taken its place, before another silo is SIGKILLed.</param>
/// <param name="LoadAfterKill">Load after the SIGKILL.</param>
/// <param name="Workers">Concurrent load loops.</param>
/// <param name="GracefulRestart">Also stop the cluster gracefully and start it again after the SIGKILL restart.</param>
internal sealed record ChaosSettings(
    int Items,
    int NewItems,
    int Users,
    int OverflowUsers,
    int HistoryLength,
    int MaxEventsPerOverflowUser,
    TimeSpan LoadBeforePause,
    TimeSpan LoadAfterResume,
    TimeSpan LoadAfterKill,
    int Workers,
    bool GracefulRestart)
{
    /// <summary>Index shards: more than silos, so every silo holds some and a kill or a pause moves several.</summary>
    public const int Shards = 6;

    public static ChaosSettings Full { get; } = new(
        Items: 300, NewItems: 60, Users: 300, OverflowUsers: 60, HistoryLength: 10, MaxEventsPerOverflowUser: 60,
        LoadBeforePause: TimeSpan.FromSeconds(30), LoadAfterResume: TimeSpan.FromSeconds(30), LoadAfterKill: TimeSpan.FromSeconds(40),
        Workers: 8, GracefulRestart: true);

    public static ChaosSettings Quick { get; } = new(
        Items: 120, NewItems: 24, Users: 80, OverflowUsers: 16, HistoryLength: 8, MaxEventsPerOverflowUser: 30,
        LoadBeforePause: TimeSpan.FromSeconds(10), LoadAfterResume: TimeSpan.FromSeconds(8), LoadAfterKill: TimeSpan.FromSeconds(20),
        Workers: 4, GracefulRestart: false);
}

/// <summary>What the run measured; <see cref="Summary"/> is the line scripts/chaos.sh ends with.</summary>
internal sealed record ChaosResult(int Sent, int Accepted, int Applied, int Lost, int Duplicated, int ItemsLost, double RecoverySeconds, bool RestartOk)
{
    /// <summary>The longest a fault may leave recommendation answers failing, partial or on the popularity fallback.</summary>
    public const double RecoveryBoundSeconds = 30;

    public bool Passed => Lost == 0 && Duplicated == 0 && ItemsLost == 0 && RestartOk && RecoverySeconds < RecoveryBoundSeconds;

    public string Summary => string.Create(CultureInfo.InvariantCulture,
        $"chaos: sent={Sent} accepted={Accepted} applied={Applied} lost={Lost} duplicated={Duplicated} items_lost={ItemsLost} recovery_s={RecoverySeconds:F1} restart_ok={(RestartOk ? "true" : "false")}");
}

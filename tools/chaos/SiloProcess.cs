using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Actors.Chaos;

/// <summary>One silo process (the Release silo binary) in the production profile, with its own ports, logging to a file.</summary>
internal sealed class SiloProcess : IDisposable
{
    private readonly Process _process;

    public string Name { get; }

    public Uri BaseAddress { get; }

    /// <summary>The silo-to-silo port: with the loopback address it names the silo in the membership table.</summary>
    public int SiloPort { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    private SiloProcess(string name, Process process, Uri baseAddress, int siloPort)
    {
        Name = name;
        _process = process;
        BaseAddress = baseAddress;
        SiloPort = siloPort;
    }

    public static SiloProcess Start(string name, string siloDll, string logDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var httpPort = FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(siloDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(siloDll);
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Urls"] = $"http://127.0.0.1:{httpPort}";
        var siloPort = FreePort();
        start.Environment["Orleans__SiloPort"] = siloPort.ToString(CultureInfo.InvariantCulture);
        start.Environment["Orleans__GatewayPort"] = FreePort().ToString(CultureInfo.InvariantCulture);

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {siloDll}.");
        var log = new StreamWriter(Path.Combine(logDirectory, $"{name}.log")) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new SiloProcess(name, process, new Uri($"http://127.0.0.1:{httpPort}"), siloPort);
    }

    /// <summary>SIGKILL: no shutdown, no deactivation, no goodbye to the cluster.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGSTOP: the process is frozen (no probes answered, no heartbeat written) until <see cref="ResumeAsync"/>.</summary>
    public Task PauseAsync() => SignalAsync("-STOP");

    /// <summary>SIGCONT after <see cref="PauseAsync"/>.</summary>
    public Task ResumeAsync() => SignalAsync("-CONT");

    /// <summary>Waits up to <paramref name="timeout"/> for the process to end by itself; true when it did.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM, then waits for a graceful shutdown (SIGKILL after <paramref name="timeout"/>).</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return;
        }
        await SignalAsync("-TERM");
        if (!await WaitForExitAsync(timeout))
        {
            Kill();
        }
    }

    private async Task SignalAsync(string signal)
    {
        using var kill = Process.Start("kill", [signal, _process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill();
        }
        _process.Dispose();
    }

    private static readonly HashSet<int> Given = [];

    /// <summary>
    /// A port free now, below Linux's ephemeral range (32768..60999): a port the kernel hands out for port 0 is also the
    /// kind it gives outgoing connections, so between this check and the silo binding it, one of the thousands of
    /// connections a chaos run opens could take it (seen once: "address already in use" at a restart). Ports of
    /// 20000..32767 are only ever taken by a bind.
    /// </summary>
    private static int FreePort()
    {
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var port = Random.Shared.Next(20_000, 32_768);
            lock (Given)
            {
                // Never the same port twice in a run, though the first holder may not have bound it yet.
                if (!Given.Add(port))
                {
                    continue;
                }
            }
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: another.
            }
        }
        throw new InvalidOperationException("No free port in 20000..32767.");
    }
}

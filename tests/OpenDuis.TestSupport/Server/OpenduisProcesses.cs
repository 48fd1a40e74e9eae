using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace OpenDuis.TestSupport;

/// <summary>
/// The <c>openduis</c> command run as separate processes over one temporary data folder, as a user
/// runs it. Every process started is killed, and the folder removed, on dispose.
/// </summary>
/// <param name="initialised">Initialise the folder first, as `openduis init` does (only init and serve create a data folder).</param>
public sealed class OpenduisProcesses(string folderPrefix, bool initialised = false) : IAsyncDisposable
{
    private readonly List<Process> _started = [];
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public string Data { get; } = Create(folderPrefix, initialised);

    private static string Create(string prefix, bool initialised)
    {
        var path = Directory.CreateTempSubdirectory(prefix).FullName;
        if (initialised)
            new Storage.DataFolder(path).InitialiseAsync(new Storage.DataFolderSettings()).GetAwaiter().GetResult().Store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return path;
    }

    public static string Dll => Path.Combine(AppContext.BaseDirectory, "openduis.dll");

    public Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        _started.Add(p);
        return p;
    }

    /// <summary>Runs a command to its end: its exit code and everything it wrote.</summary>
    public async Task<(int ExitCode, string Output)> RunAsync(params string[] args)
    {
        using var p = Start(args);
        var stdout = p.StandardOutput.ReadToEndAsync(Ct);
        var stderr = p.StandardError.ReadToEndAsync(Ct);
        await p.WaitForExitAsync(Ct);
        return (p.ExitCode, await stdout + await stderr);
    }

    /// <summary>
    /// Runs a command to its end on the data folder (<c>--data</c> added; working directory the data
    /// folder, so nothing lands beside the tests): its exit code, standard output and standard error.
    /// </summary>
    public async Task<(int ExitCode, string Out, string Err)> RunOnDataAsync(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Data };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add("--data");
        psi.ArgumentList.Add(Data);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(Ct);
        var stderr = p.StandardError.ReadToEndAsync(Ct);
        await p.WaitForExitAsync(Ct);
        return (p.ExitCode, await stdout, await stderr);
    }

    /// <summary>
    /// <c>openduis serve</c> on the data folder (short delivery lease, the SMKI Repository on a free port unless given), once
    /// it answers /health; fails with its output when it exits first.
    /// </summary>
    public Task<Process> ServeAsync(int port, params string[] extra) => ServeOnAsync(Data, port, extra);

    /// <summary>As <see cref="ServeAsync"/>, on another data folder (a node on another machine, with a copy of the settings and keys).</summary>
    public async Task<Process> ServeOnAsync(string dataFolder, int port, params string[] extra)
    {
        string[] smki = extra.Contains("--smki-port") ? [] : ["--smki-port", "0"];
        var psi = new ProcessStartInfo("dotnet") { UseShellExecute = false };
        foreach (var a in (string[])[Dll, "serve", "--data", dataFolder, "--port", port.ToString(CultureInfo.InvariantCulture), "--delivery-lease", "2", .. smki, .. extra])
            psi.ArgumentList.Add(a);
        var serve = StartLogged(psi);
        _serveLog = _logs[serve];
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow + StartTimeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if ((await http.GetAsync($"http://127.0.0.1:{port}/health", Ct)).IsSuccessStatusCode) return serve;
            }
            catch (HttpRequestException) { }
            if (serve.HasExited) Assert.Fail("openduis serve exited: " + OutputOf(serve));
            await Task.Delay(100, Ct);
        }
        throw new TimeoutException($"openduis serve did not answer /health within {StartTimeout.TotalSeconds:0} s");
    }

    /// <summary>How long <see cref="ServeAsync"/> waits for /health (several nodes starting at once on a busy machine take longer).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);

    /// <summary>
    /// Starts a long-running process whose output is read as it comes (see <see cref="OutputOf"/>):
    /// reading a running process's output to its end would wait for it to exit. Killed on dispose.
    /// </summary>
    public Process StartLogged(ProcessStartInfo psi)
    {
        psi.RedirectStandardOutput = psi.RedirectStandardError = true;
        var p = new Process { StartInfo = psi };
        var log = new StringBuilder();
        p.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        p.Start();
        _logs[p] = log;
        _started.Add(p);
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private StringBuilder? _serveLog;

    /// <summary>What the last <see cref="ServeAsync"/> server has written so far (standard output and error).</summary>
    public string ServeOutput
    {
        get
        {
            if (_serveLog is not { } log) return "";
            lock (log) return log.ToString();
        }
    }

    private readonly Dictionary<Process, StringBuilder> _logs = [];

    /// <summary>Everything a process started by <see cref="ServeAsync"/> or <see cref="StartLogged"/> has written so far (standard output and error).</summary>
    public string OutputOf(Process serve)
    {
        var log = _logs[serve];
        lock (log) return log.ToString();
    }

    public static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Kills every process started here and waits for each to exit (before a test drops the database they use).</summary>
    public void KillAll()
    {
        foreach (var p in _started)
        {
            try
            {
                if (!p.HasExited) p.Kill(true);
                p.WaitForExit(10_000);
            }
            catch (InvalidOperationException) { }
            p.Dispose();
        }
        _started.Clear();
    }

    public ValueTask DisposeAsync()
    {
        KillAll();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Data, true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }
}

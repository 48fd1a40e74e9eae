using System.Diagnostics;

namespace OpenDuis.TestSupport;

/// <summary>Outcome of one call of the DCC Boxed tool: its result code, its output, its log.</summary>
public sealed record ToolResult(string Code, string Output, string Log)
{
    public bool Succeeded => Code == "SUCCESS";
    public override string ToString() => $"{Code}: {Log}";
}

/// <summary>
/// The official DCC Boxed signing/validation tool (npm package @smartdcc/duis-sign-wrap,
/// dist/tool.jar) as an independent peer: one JVM per test run, fed many messages.
/// The tool trusts only the ZAZ1 keys it embeds.
/// </summary>
public sealed class DccBoxedTool : IDisposable
{
    public const string NpmPackage = "@smartdcc/duis-sign-wrap@0.1.2";
    private static readonly Lazy<DccBoxedTool> SharedLazy = new(() => new DccBoxedTool());
    private Process _java;
    private readonly string _jar;
    private readonly string _work;
    private readonly System.Text.StringBuilder _jvmLog = new();
    private readonly Lock _gate = new();
    private int _counter;

    /// <summary>One shared peer for the whole test assembly.</summary>
    public static DccBoxedTool Shared
    {
        get
        {
            try { return SharedLazy.Value; }
            catch (ToolUnavailableException e) { throw Prerequisite.Missing(e.Message); }
        }
    }

    private sealed class ToolUnavailableException(string message) : Exception(message);

    private DccBoxedTool()
    {
        _jar = LocateJar();
        _work = Directory.CreateTempSubdirectory("openduis-dccboxed-").FullName;
        var source = Path.Combine(AppContext.BaseDirectory, "DuisToolBatch.java");
        var javac = Run("javac", ["-cp", _jar, "-d", _work, source]);
        if (javac != 0) throw new ToolUnavailableException("javac (Java 17 JDK) could not compile the DCC Boxed batch driver");
        _java = StartJvm();
    }

    private Process StartJvm()
    {
        var jar = _jar;
        var psi = new ProcessStartInfo("java")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("-cp");
        psi.ArgumentList.Add(jar + Path.PathSeparator + _work);
        psi.ArgumentList.Add("DuisToolBatch");
        var java = Process.Start(psi) ?? throw new ToolUnavailableException("java could not be started");
        java.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_jvmLog) _jvmLog.AppendLine(e.Data); };
        java.BeginErrorReadLine();
        return java;
    }

    public static string LocateJar()
    {
        var configured = Environment.GetEnvironmentVariable("OPENDUIS_DUIS_TOOL_JAR");
        if (!string.IsNullOrEmpty(configured))
            return File.Exists(configured) ? configured : throw new ToolUnavailableException($"OPENDUIS_DUIS_TOOL_JAR={configured} does not exist");
        var tools = Path.Combine(RepoPaths.Root, ".tools");
        var jar = Path.Combine(tools, "node_modules", "@smartdcc", "duis-sign-wrap", "dist", "tool.jar");
        if (File.Exists(jar)) return jar;
        Directory.CreateDirectory(tools);
        var rc = Run("npm", ["install", "--no-audit", "--no-fund", "--prefix", tools, NpmPackage]);
        return rc == 0 && File.Exists(jar)
            ? jar
            : throw new ToolUnavailableException($"the DCC Boxed tool ({NpmPackage}) could not be installed with npm into {tools}");
    }

    private static int Run(string file, string[] args)
    {
        try
        {
            var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in args) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            p.StandardOutput.ReadToEnd();
            p.StandardError.ReadToEnd();
            p.WaitForExit();
            return p.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return -1;
        }
    }

    /// <summary>Signs with the tool: by default with the ZAZ1 key it looks up from the RequestID.</summary>
    public ToolResult Sign(string xml, bool preserveCounter = true, string? certPemPath = null, string? keyPath = null)
    {
        var extra = new List<string>();
        if (preserveCounter) extra.Add("--preserveCounter");
        if (certPemPath is not null) extra.Add(certPemPath);
        if (keyPath is not null) extra.Add(keyPath);
        return Call("Sign", xml, extra);
    }

    /// <summary>Validates (XSD and signature) with the tool; on success Output is the message without its signature.</summary>
    public ToolResult Validate(string xml) => Call("Validate", xml, []);

    private ToolResult Call(string mode, string xml, List<string> extra)
    {
        lock (_gate)
        {
            var n = ++_counter;
            var input = Path.Combine(_work, $"in-{n}.xml");
            var output = Path.Combine(_work, $"out-{n}.xml");
            File.WriteAllText(input, xml);
            string? line;
            try
            {
                _java.StandardInput.WriteLine(string.Join('\t', [mode, input, output, .. extra]));
                _java.StandardInput.Flush();
                line = _java.StandardOutput.ReadLine();
            }
            catch (IOException)
            {
                line = null;
            }
            if (line is null)
            {
                // The tool ended its JVM on this input (it calls System.exit on some errors): report
                // that as this call's outcome and start a fresh JVM for the calls after it.
                _java.WaitForExit(5000);
                string jvmLog;
                lock (_jvmLog) { jvmLog = _jvmLog.ToString().Replace('\n', ' '); _jvmLog.Clear(); }
                var exit = _java.HasExited ? _java.ExitCode : -1;
                _java.Dispose();
                _java = StartJvm();
                File.Delete(input);
                File.Delete(output);
                return new ToolResult($"JVM_EXITED_{exit}", "", jvmLog);
            }
            var tab = line.IndexOf('\t');
            var code = tab < 0 ? line : line[..tab];
            var log = tab < 0 ? "" : line[(tab + 1)..];
            var result = new ToolResult(code, File.Exists(output) ? File.ReadAllText(output) : "", log);
            File.Delete(input);
            File.Delete(output);
            return result;
        }
    }

    public void Dispose()
    {
        try
        {
            _java.StandardInput.Close();
            if (!_java.WaitForExit(5000)) _java.Kill();
        }
        catch (InvalidOperationException) { }
        _java.Dispose();
        try { Directory.Delete(_work, true); } catch (IOException) { }
    }
}

using System.Diagnostics;
using System.Text.Json;

namespace OpenDuis.TestSupport;

/// <summary>
/// The DCC Boxed client library <c>@smartdcc/dccboxed-keystore</c> (npm, run with Node) as a User's
/// adapter runs it: <c>BoxedKeyStore.query</c> against an SMKI Repository, its local and backing stores
/// empty, so every certificate it returns came over HTTP from the server under test.
/// </summary>
public static class DccBoxedKeystoreClient
{
    public const string Package = "@smartdcc/dccboxed-keystore@0.4.2";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>One query: a Device's certificates by EUI and key usage ("ds"/"ka"), or a certificate by serial (hex).</summary>
    public sealed record Query(string? Eui = null, string? Usage = null, string? Serial = null);

    private const string Script = """
        const { BoxedKeyStore, KeyUsage } = require('@smartdcc/dccboxed-keystore');
        const [address, dir, queries] = process.argv.slice(1);
        const one = (c) => ({ eui: c.eui.toString(), role: c.role ?? null, serial: c.serial.toString(16), der: c.certificate.raw.toString('base64') });
        (async () => {
          const ks = await BoxedKeyStore.new(address, `${dir}/local.json`, `${dir}/backing.json`);
          const out = [];
          for (const q of JSON.parse(queries)) {
            try {
              const r = q.serial
                ? await ks.query({ lookup: 'certificate', serial: BigInt('0x' + q.serial) })
                : await ks.query({ lookup: 'certificate', eui: q.eui, keyUsage: q.usage === 'ka' ? KeyUsage.keyAgreement : KeyUsage.digitalSignature });
              out.push({ result: r === null ? null : Array.isArray(r) ? r.map(one) : [one(r)] });
            } catch (e) {
              out.push({ error: String(e.message ?? e) });
            }
          }
          console.log(JSON.stringify(out));
        })().catch(e => { console.error(e); process.exit(1); });
        """;

    /// <summary>Runs the queries in order, each answered by the result list (null for "none") or the client's error.</summary>
    public static async Task<JsonElement[]> QueryAsync(Uri repository, params Query[] queries)
    {
        var modules = LocateModules();
        var work = Directory.CreateTempSubdirectory("openduis-smki-client-").FullName;
        try
        {
            var psi = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            psi.Environment["NODE_PATH"] = modules;
            var json = JsonSerializer.Serialize(queries.Select(q => new { eui = q.Eui, usage = q.Usage, serial = q.Serial }));
            foreach (var arg in (string[])["-e", Script, $"{repository.Host}:{repository.Port}", work, json]) psi.ArgumentList.Add(arg);
            using var node = Process.Start(psi) ?? throw Prerequisite.Missing("node");
            var stdout = node.StandardOutput.ReadToEndAsync(Ct);
            var stderr = node.StandardError.ReadToEndAsync(Ct);
            await node.WaitForExitAsync(Ct);
            Assert.True(node.ExitCode == 0, $"client failed: {await stderr}");
            // The backing store stays empty: nothing was answered from it.
            var backing = Path.Combine(work, "backing.json");
            Assert.True(!File.Exists(backing) || File.ReadAllText(backing).Trim() is "" or "{}" or "[]", "the backing file was written to");
            return [.. JsonDocument.Parse(await stdout).RootElement.EnumerateArray().Select(e => e.Clone())];
        }
        finally
        {
            Directory.Delete(work, true);
        }
    }

    private static string LocateModules()
    {
        var tools = Path.Combine(RepoPaths.Root, ".tools");
        var modules = Path.Combine(tools, "node_modules");
        if (Directory.Exists(Path.Combine(modules, "@smartdcc", "dccboxed-keystore"))) return modules;
        Directory.CreateDirectory(tools);
        try
        {
            var psi = new ProcessStartInfo("npm") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in (string[])["install", "--no-audit", "--no-fund", "--prefix", tools, Package]) psi.ArgumentList.Add(arg);
            using var npm = Process.Start(psi)!;
            npm.StandardOutput.ReadToEnd();
            npm.StandardError.ReadToEnd();
            npm.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw Prerequisite.Missing($"npm, to install {Package}");
        }
        return Directory.Exists(Path.Combine(modules, "@smartdcc", "dccboxed-keystore"))
            ? modules
            : throw Prerequisite.Missing($"{Package} (npm install into {tools} failed)");
    }
}

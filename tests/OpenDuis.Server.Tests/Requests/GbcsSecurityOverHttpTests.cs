using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml;
using Microsoft.Extensions.DependencyInjection;
using OpenDuis.Gbcs;
using OpenDuis.Gbcs.Keys;
using OpenDuis.Gbcs.Security;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Xml;
using OpenDuis.TestSupport;

namespace OpenDuis.Server.Tests.Requests;

/// <summary>
/// GBCS security of the device traffic a User receives over HTTP (R-GBCS-1..3), checked as a User
/// checks it: with its own key-agreement private key and the Devices' certificates only; and the
/// Device's refusal of a Signed Pre-Command whose signature does not verify.
/// </summary>
public sealed class GbcsSecurityOverHttpTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_Signed_Pre_Command_wrongly_signed_or_tampered_is_not_executed_and_the_User_gets_the_Device_s_0x8F3D_alert_counted_up()
    {
        await using var session = await DeviceResponsesOverHttpTests.StartAsync();
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256); // not the supplier's GBCS signing key
        var first = await RefusedAsync(session, signer: stranger);
        // One octet of the signature changed after signing: the command is the one issued, but its signature no longer verifies.
        var second = await RefusedAsync(session, tamper: gbcs => { var t = (byte[])gbcs.Clone(); t[^10] ^= 0x01; return t; });
        // One octet of the command changed after signing: the DCC's Correlate check (DUIS 3.4.2) refuses it E51 before any Device sees it.
        Assert.Null(await RefusedAsync(session, tamper: gbcs => { var t = (byte[])gbcs.Clone(); t[t.Length / 2] ^= 0x01; return t; }, expected: ResponseCode.E51));

        // GBCS: the Device's Alerts carry its own Originator Counter, one more each time (kept in the Device key store, not the clock).
        Assert.Equal(1UL, first!.OriginatorCounter);
        Assert.Equal(2UL, second!.OriginatorCounter);
        Assert.Equal("2", File.ReadAllText(Path.Combine(((OpenDuis.Gbcs.Keys.FolderDeviceKeyVault)session.Instance.DeviceKeys.Store.Vault).Folder,
            $"{first.Originator.ToCompactString().ToLowerInvariant()}.alert-counter")).Trim());
    }

    [Fact]
    public async Task A_Signed_Pre_Command_cut_short_or_with_an_unknown_Message_Code_is_refused_E51()
    {
        await using var session = await DeviceResponsesOverHttpTests.StartAsync();
        // DUIS 3.5.10 Table 1: the GBCS payload is not a General Signing message its lengths describe, or its Message Code is not the variant's.
        Assert.Null(await RefusedAsync(session, tamper: gbcs => gbcs[..^10], expected: ResponseCode.E51));
        Assert.Null(await RefusedAsync(session, tamper: gbcs => (GbcsMessage.Read(gbcs) with { MessageCode = 0xFFFF }).WriteSigned(), expected: ResponseCode.E51));
        Assert.Empty(session.Received);
    }

    /// <summary>The ESME's 4.3 (ECS19) and the GSME's (GCS14), each built from the Device's state and encrypted for the User.</summary>
    [Theory]
    [InlineData("ECS19_4.3_SUCCESS_REQUEST_DUIS.XML", "ECS04a_1.5_SUCCESS_REQUEST_DUIS.XML")]
    [InlineData("GCS14_4.3_SUCCESS_UNRELIABLE_REQUEST_DUIS.XML", "GCS40a_1.5_SUCCESS_REQUEST_DUIS.XML")]
    public async Task The_User_parses_the_meter_s_4_3_answer_with_its_keys_to_the_balance_the_Device_holds_and_a_1_5_adjustment_shows_in_the_next(
        string readTemplate, string adjustTemplate)
    {
        await using var session = await DeviceResponsesOverHttpTests.StartAsync();
        var network = session.Instance.Server.Services.GetRequiredService<Network.EmulatedSmWan>();
        var (read, answer) = await DeliveredAsync(session, readTemplate);
        var meter = read.RequestId.Target;
        var security = new Gbcs.Mmc.GbcsKeySecurity(GbcsKeyring.From(OpenDuisInstance.TestKeys.Value, await FetchDeviceCertificatesAsync(session, [meter])));
        var before = MeterBalance(answer, security);
        Assert.Equal(network.Device(meter)!.MeterBalance, before);

        // 1.5 (a Transform, then the User's Signed Pre-Command) adjusts the balance by the template's AdjustMeterBalance.
        var (adjust, adjusted) = await DeliveredAsync(session, adjustTemplate);
        Assert.Equal(meter, adjust.RequestId.Target);
        Assert.Equal(ResponseCode.I0, adjusted.ResponseCode);
        var adjustment = long.Parse(adjust.Body!.FirstElement("AdjustMeterBalance", DuisNamespaces.ServiceUserGateway)!.InnerText, System.Globalization.CultureInfo.InvariantCulture);
        Assert.NotEqual(0, adjustment);

        var (_, again) = await DeliveredAsync(session, readTemplate);
        Assert.Equal(before + adjustment, MeterBalance(again, security));
        Assert.Equal(network.Device(meter)!.MeterBalance, before + adjustment);
    }

    /// <summary>
    /// The 4.3 answer's GBCS payload parsed as <c>openduis parse --keys</c> does, with the User's keys and the Device's certificates:
    /// decrypted (no RTDS content replayed: it would not open with these keys), all six balances rendered in the MMC's order;
    /// the meter balance.
    /// </summary>
    private static long MeterBalance(DuisResponse answer, Gbcs.Mmc.GbcsKeySecurity security)
    {
        Assert.Equal(ResponseCode.I0, answer.ResponseCode);
        var gbcs = Convert.FromBase64String(answer.Message!.Payload!.InnerText);
        var xml = System.Text.RegularExpressions.Regex.Replace(Gbcs.Mmc.MmcRenderer.Render(Gbcs.Parse.GbcsParser.Parse(gbcs), gbcs, security), @">\s+<", "><");
        Assert.DoesNotContain("format=\"encrypted\"", xml, StringComparison.Ordinal);
        var balances = System.Text.RegularExpressions.Regex.Match(xml, "<ra:EmergencyCreditBalance>0</ra:EmergencyCreditBalance><ra:AccumulatedDebtRegister>0</ra:AccumulatedDebtRegister>"
            + "<ra:PaymentDebtRegister>0</ra:PaymentDebtRegister><ra:TimeDebtRegister1>0</ra:TimeDebtRegister1><ra:TimeDebtRegister2>0</ra:TimeDebtRegister2>"
            + "<ra:MeterBalance>(-?[0-9]+)</ra:MeterBalance>");
        Assert.True(balances.Success, xml);
        return long.Parse(balances.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Sends an RTDS template (a Transform's Pre-Command signed and sent back) and waits for the Service Response delivered for it.</summary>
    private static async Task<(DuisRequest Request, DuisResponse Response)> DeliveredAsync(DeviceResponsesOverHttpTests.Session session, string template)
    {
        var xml = ServedRequests.WithFreshCounter(File.ReadAllText(Path.Combine(RepoPaths.Templates, template)));
        var doc = new XmlDocument { PreserveWhitespace = true };
        doc.LoadXml(xml);
        var request = DuisRequest.Read(doc);
        var sent = request;
        var ack = await DeviceResponsesOverHttpTests.PostAsync(session.Instance, ServedRequests.SignWithTool(xml));
        if (request.CommandVariant == CommandVariant.TransformCritical)
        {
            var signed = ServedRequests.SignedPreCommandRequest(request, ack);
            var signedDoc = new XmlDocument();
            signedDoc.LoadXml(signed);
            sent = DuisRequest.Read(signedDoc);
            ack = await DeviceResponsesOverHttpTests.PostAsync(session.Instance, signed);
        }
        Assert.Equal(ResponseCode.I99, ack.ResponseCode);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!session.Received.ContainsKey(sent.RequestId.ToString()) && DateTime.UtcNow < deadline) await Task.Delay(50, Ct);
        Assert.True(session.Received.TryGetValue(sent.RequestId.ToString(), out var received), $"no answer delivered to {template}");
        return (request, received.Response);
    }

    /// <summary>
    /// Sends the ECS01a Transform's Signed Pre-Command signed by <paramref name="signer"/> or changed by <paramref name="tamper"/>;
    /// the Device's alert when it is acknowledged (I99), null when the DCC refuses it with <paramref name="expected"/>.
    /// </summary>
    private static async Task<GbcsMessage?> RefusedAsync(DeviceResponsesOverHttpTests.Session session, ECDsa? signer = null, Func<byte[], byte[]>? tamper = null,
        ResponseCode? expected = null)
    {
        var xml = ServedRequests.WithFreshCounter(File.ReadAllText(Path.Combine(RepoPaths.Templates, "ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML")));
        var doc = new XmlDocument { PreserveWhitespace = true };
        doc.LoadXml(xml);
        var transform = DuisRequest.Read(doc);
        Assert.Equal(CommandVariant.TransformCritical, transform.CommandVariant);
        var preCommand = await DeviceResponsesOverHttpTests.PostAsync(session.Instance, ServedRequests.SignWithTool(xml));
        Assert.Equal("PreCommand", preCommand.Message?.Payload?.LocalName);

        var signed = ServedRequests.SignedPreCommandRequest(transform, preCommand, signer, tamper);
        var signedDoc = new XmlDocument();
        signedDoc.LoadXml(signed);
        var requestId = DuisRequest.Read(signedDoc).RequestId;
        Assert.Equal(expected ?? ResponseCode.I99, (await DeviceResponsesOverHttpTests.PostAsync(session.Instance, signed)).ResponseCode);
        if (expected is not null) return null;

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!session.Received.ContainsKey(requestId.ToString()) && DateTime.UtcNow < deadline) await Task.Delay(50, Ct);
        Assert.True(session.Received.TryGetValue(requestId.ToString(), out var received), "no answer delivered");
        Assert.Equal(ResponseBodyKind.DeviceAlertMessage, received.Response.BodyKind);
        var alert = received.Response.DeviceAlert!;
        Assert.Equal(0x8F3D, alert.AlertCode); // Trusted Source Authentication Failure
        var verification = (await VerifierAsync(session, [transform.RequestId.Target])).Verify(alert.GbcsPayload.Span, GbcsMessage.Read(alert.GbcsPayload.Span));
        Assert.Equal(CraFlag.Alert, verification.Message.Cra);
        Assert.Equal((ushort)0x1000, verification.Message.MessageCode);
        Assert.Equal(GbcsVerdict.Valid, verification.Signature.Verdict);
        // the tariff was not changed: the device logged no command from the refused request
        var network = session.Instance.Server.Services.GetRequiredService<Network.EmulatedSmWan>();
        Assert.DoesNotContain(network.Device(transform.RequestId.Target)?.Log ?? [], e => e.Request == requestId);
        return verification.Message;
    }

    /// <summary>
    /// A User's verifier: its own keys (the ZAZ1 key store) and the Devices' DS and KA certificates as
    /// <c>@smartdcc/dccboxed-keystore</c> fetches them from the SMKI Repository (port 8083's service, over the
    /// session's Device keys), its backing file empty: nothing of a Device comes from the server's own store.
    /// </summary>
    internal static async Task<GbcsVerifier> VerifierAsync(DeviceResponsesOverHttpTests.Session session, IEnumerable<Eui> devices)
    {
        var fetched = await FetchDeviceCertificatesAsync(session, devices);
        return new(GbcsKeyring.From(OpenDuisInstance.TestKeys.Value, fetched), DemoKeySet.DspEui);
    }

    /// <summary>The Devices' certificates from the SMKI Repository by the DCC Boxed client, one Node process for all of them.</summary>
    internal static async Task<IDeviceCredentials> FetchDeviceCertificatesAsync(DeviceResponsesOverHttpTests.Session session, IEnumerable<Eui> devices)
    {
        var ids = devices.Distinct().Order().ToList();
        await using var repository = await Server.SmkiRepository.SmkiRepositoryServer.StartAsync(
            Core.SmkiRepository.SmkiRepositoryService.FromKeyStore(OpenDuisInstance.TestKeys.Value, devices: session.Instance.DeviceKeys),
            System.Net.IPAddress.Loopback, port: 0, cancellationToken: Ct);
        var results = await DccBoxedKeystoreClient.QueryAsync(repository.ListenAddress,
            [.. ids.SelectMany(d => new DccBoxedKeystoreClient.Query[] { new(d.ToString(), "ds"), new(d.ToString(), "ka") })]);
        var fetched = new Dictionary<Eui, DeviceCredentials>();
        var missing = new List<string>();
        for (var i = 0; i < ids.Count; i++)
        {
            X509Certificate2? One(System.Text.Json.JsonElement result, string usage)
            {
                if (result.TryGetProperty("error", out var error)) { missing.Add($"{ids[i]} {usage}: {error.GetString()}"); return null; }
                if (result.GetProperty("result") is not { ValueKind: System.Text.Json.JsonValueKind.Array } list || list.GetArrayLength() != 1)
                { missing.Add($"{ids[i]} {usage}: {result}"); return null; }
                return X509CertificateLoader.LoadCertificate(Convert.FromBase64String(list[0].GetProperty("der").GetString()!));
            }
            var ds = One(results[2 * i], "ds");
            var ka = One(results[2 * i + 1], "ka");
            if (ds is not null && ka is not null) fetched[ids[i]] = new DeviceCredentials(ids[i], ds, ka);
        }
        Assert.True(missing.Count == 0, "the SMKI Repository client found no certificate for " + string.Join("; ", missing));
        return new Fetched(fetched);
    }

    /// <summary>What a User holds of Devices: the certificates it fetched, no private key.</summary>
    private sealed class Fetched(Dictionary<Eui, DeviceCredentials> devices) : IDeviceCredentials
    {
        public DeviceCredentials? Find(Eui device) => devices.GetValueOrDefault(device);
    }
}

/// <summary>Checks of the GBCS payloads a test session received.</summary>
internal static class GbcsSecurityOverHttp
{
    public static List<(string RequestId, byte[] Gbcs)> DeliveredPayloads(DeviceResponsesOverHttpTests.Session session)
    {
        var payloads = new List<(string, byte[])>();
        foreach (var (requestId, (response, _)) in session.Received)
        {
            if (response.Message?.Payload is not { } payload) continue;
            var element = payload.LocalName == "GBCSPayload" ? payload : payload.GetElementsByTagName("GBCSPayload", DuisNamespaces.ServiceUserGateway).OfType<XmlElement>().FirstOrDefault();
            if (element is not null) payloads.Add((requestId, Convert.FromBase64String(element.InnerText)));
        }
        return payloads;
    }

    /// <summary>
    /// Every payload's MAC (or, for a response to a Critical command, Device signature) verifies with the recipient's
    /// KA private key and the Device certificates fetched from the SMKI Repository, and every payload of a Message Code
    /// GBCS encrypts is encrypted and decrypts; the counts of each.
    /// </summary>
    public static async Task<(int Macs, int Signatures, int Decrypted)> VerifyAllAsync(DeviceResponsesOverHttpTests.Session session, List<(string RequestId, byte[] Gbcs)> payloads)
    {
        var verifier = await GbcsSecurityOverHttpTests.VerifierAsync(session, payloads.Select(p => GbcsMessage.Read(p.Gbcs).Originator));
        var failures = new List<string>();
        var (macs, signatures, decrypted) = (0, 0, 0);
        foreach (var (requestId, gbcs) in payloads)
        {
            if (!verifier.TryVerify(gbcs, out var v, out var problem)) { failures.Add($"{requestId}: {problem}"); continue; }
            if (v!.Mac.Verdict == GbcsVerdict.Valid) macs++;
            if (v.Signature.Verdict == GbcsVerdict.Valid) signatures++;
            decrypted += v.Encrypted.Count(e => e.Verdict == GbcsVerdict.Valid);
            if (GbcsMessageCodes.IsEncrypted(v.Message.MessageCode) && v.Encrypted.Count == 0)
                failures.Add($"{requestId} {v.Message.MessageCodeText}: no encrypted payload, though GBCS encrypts this response");
            if (v.Failed || (v.Mac.Verdict != GbcsVerdict.Valid && v.Signature.Verdict != GbcsVerdict.Valid))
                failures.Add($"{requestId} {v.Message.MessageCodeText}: {v.Mac.Detail}; {v.Signature.Detail}; {string.Join("; ", v.Encrypted.Select(e => e.Detail))}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
        return (macs, signatures, decrypted);
    }

    /// <summary>
    /// Wireshark's GBCS dissector decodes every payload (text2pcap -l 147, tshark with the gbcs_message user DLT) with the
    /// Message Code, originator, recipient and CRA Flag the payload carries, and reports nothing malformed.
    /// </summary>
    public static void DecodeWithWireshark(List<(string RequestId, byte[] Gbcs)> payloads)
    {
        if (!OnPath("tshark") || !OnPath("text2pcap")) throw Prerequisite.Missing("tshark and text2pcap (Debian package tshark)");
        var folder = Directory.CreateTempSubdirectory("openduis-tshark-").FullName;
        try
        {
            var dump = new StringBuilder();
            foreach (var (_, gbcs) in payloads)
                for (var i = 0; i < gbcs.Length; i += 16)
                    dump.Append($"{i:x6} ").AppendLine(string.Join(' ', gbcs.Skip(i).Take(16).Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture))));
            File.WriteAllText(Path.Combine(folder, "in.txt"), dump.ToString());
            Run("text2pcap", "-q", "-l", "147", Path.Combine(folder, "in.txt"), Path.Combine(folder, "out.pcap"));
            var decoded = Run("tshark", "-r", Path.Combine(folder, "out.pcap"), "-o", "uat:user_dlts:\"User 0 (DLT=147)\",\"gbcs_message\",\"0\",\"\",\"0\",\"\"", "-V");
            var frames = decoded.Split("\nFrame ", StringSplitOptions.RemoveEmptyEntries).Where(f => f.Contains("GBCS Message", StringComparison.Ordinal)).ToList();
            Assert.Equal(payloads.Count, frames.Count);
            var failures = new List<string>();
            for (var i = 0; i < payloads.Count; i++)
            {
                var m = GbcsMessage.Read(payloads[i].Gbcs);
                var frame = frames[i];
                string Colons(Eui e) => string.Join(':', e.ToBytes().Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
                var expected = new[]
                {
                    $"CRA Flag: {m.Cra} (0x{(byte)m.Cra:x2})", $"Business Originator ID: {Colons(m.Originator)}",
                    $"Business Target ID: {Colons(m.Recipient)}", $"(0x{m.MessageCode:x4})",
                };
                foreach (var e in expected)
                    if (!frame.Contains(e, StringComparison.OrdinalIgnoreCase)) failures.Add($"{payloads[i].RequestId}: Wireshark shows no '{e}'");
                if (frame.Contains("Malformed", StringComparison.OrdinalIgnoreCase)) failures.Add($"{payloads[i].RequestId} {m.MessageCodeText}: Wireshark reports a malformed packet: {Convert.ToHexString(payloads[i].Gbcs)}");
            }
            Assert.True(failures.Count == 0, string.Join("\n", failures.Take(10)));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => File.Exists(Path.Combine(d, tool)));

    private static string Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{tool} exited {p.ExitCode}: {error.Result}");
        return output.Result;
    }
}

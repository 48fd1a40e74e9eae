using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Xml;
using Microsoft.Extensions.DependencyInjection;
using OpenDuis.Gbcs;
using OpenDuis.Gbcs.Keys;
using OpenDuis.Gbcs.Security;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.TestSupport;

namespace OpenDuis.Server.Tests;

/// <summary>
/// GBCS security of the device traffic a User receives over HTTP (R-GBCS-1..3), checked as a User
/// checks it: with its own key-agreement private key and the Devices' certificates only; and the
/// Device's refusal of a Signed Pre-Command whose signature does not verify.
/// </summary>
public sealed class GbcsSecurityOverHttpTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_Signed_Pre_Command_whose_signature_does_not_verify_is_not_executed_and_the_User_gets_the_Devices_0x8F3D_alert()
    {
        await using var session = await DeviceResponsesOverHttpTests.StartAsync();
        var xml = RequestPathTests.WithFreshCounter(File.ReadAllText(Path.Combine(RepoPaths.Templates, "ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML")));
        var doc = new XmlDocument { PreserveWhitespace = true };
        doc.LoadXml(xml);
        var transform = DuisRequest.Read(doc);
        Assert.Equal(CommandVariant.TransformCritical, transform.CommandVariant);
        var preCommand = await DeviceResponsesOverHttpTests.PostAsync(session.Instance, RequestPathTests.SignWithTool(xml));
        Assert.Equal("PreCommand", preCommand.Message?.Payload?.LocalName);

        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256); // not the supplier's GBCS signing key
        var signed = DeviceResponsesOverHttpTests.SignedPreCommandRequest(transform, preCommand, stranger);
        var signedDoc = new XmlDocument();
        signedDoc.LoadXml(signed);
        var requestId = DuisRequest.Read(signedDoc).RequestId;
        Assert.Equal(ResponseCode.I99, (await DeviceResponsesOverHttpTests.PostAsync(session.Instance, signed)).ResponseCode);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!session.Received.ContainsKey(requestId.ToString()) && DateTime.UtcNow < deadline) await Task.Delay(50, Ct);
        Assert.True(session.Received.TryGetValue(requestId.ToString(), out var received), "no answer delivered");
        Assert.Equal(ResponseBodyKind.DeviceAlertMessage, received.Response.BodyKind);
        var alert = received.Response.DeviceAlert!;
        Assert.Equal(0x8F3D, alert.AlertCode); // Trusted Source Authentication Failure
        var verification = Verifier(session).Verify(alert.GbcsPayload.Span, GbcsMessage.Read(alert.GbcsPayload.Span));
        Assert.Equal(CraFlag.Alert, verification.Message.Cra);
        Assert.Equal((ushort)0x1000, verification.Message.MessageCode);
        Assert.Equal(GbcsVerdict.Valid, verification.Signature.Verdict);
        // the tariff was not changed: the device logged no command from the refused request
        var network = session.Instance.Server.Services.GetRequiredService<Network.EmulatedSmWan>();
        Assert.DoesNotContain(network.Device(transform.RequestId.Target)?.Log ?? [], e => e.Request == requestId);
    }

    internal static GbcsVerifier Verifier(DeviceResponsesOverHttpTests.Session session) =>
        new(GbcsKeyring.From(OpenDuisInstance.TestKeys.Value,
            new CertificatesOnly(session.Instance.Server.Services.GetRequiredService<IDeviceCredentials>())), DemoKeySet.DspEui);

    /// <summary>What a User holds of a Device: its certificates (as fetched from the SMKI Repository), no private key.</summary>
    private sealed class CertificatesOnly(IDeviceCredentials devices) : IDeviceCredentials
    {
        public DeviceCredentials? Find(Eui device) =>
            devices.Find(device) is { } d ? new DeviceCredentials(d.Device, d.DigitalSigningCertificate, d.KeyAgreementCertificate) : null;
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

    /// <summary>Every payload's MAC (or, for a response to a Critical command, Device signature) verifies; the counts of each.</summary>
    public static (int Macs, int Signatures, int Decrypted) VerifyAll(DeviceResponsesOverHttpTests.Session session, List<(string RequestId, byte[] Gbcs)> payloads)
    {
        var verifier = GbcsSecurityOverHttpTests.Verifier(session);
        var failures = new List<string>();
        var (macs, signatures, decrypted) = (0, 0, 0);
        foreach (var (requestId, gbcs) in payloads)
        {
            if (!verifier.TryVerify(gbcs, out var v, out var problem)) { failures.Add($"{requestId}: {problem}"); continue; }
            if (v!.Mac.Verdict == GbcsVerdict.Valid) macs++;
            if (v.Signature.Verdict == GbcsVerdict.Valid) signatures++;
            decrypted += v.Encrypted.Count(e => e.Verdict == GbcsVerdict.Valid);
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

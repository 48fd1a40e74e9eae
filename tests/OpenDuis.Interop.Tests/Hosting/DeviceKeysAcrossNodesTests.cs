using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml;
using OpenDuis.Core.Demo;
using OpenDuis.Gbcs.Keys;
using OpenDuis.Gbcs.Security;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Server.SmkiRepository;
using OpenDuis.Storage;

namespace OpenDuis.Interop.Tests.Hosting;

/// <summary>
/// The emulated Devices' own keys on nodes of separate machines (issue 22): two real <c>openduis serve</c> processes on
/// one PostgreSQL database, each on a data folder of its own (a copy of the settings and the key folder, no
/// device-keys/), serve each Device the same Device Certificates from their SMKI Repositories, and a Device's response
/// produced on one node is MAC-verified with the certificates the other node serves. A Device without keys asked of
/// both nodes at once is issued one set.
/// </summary>
[Collection(nameof(NodeFailoverTests))]
public sealed class DeviceKeysAcrossNodesTests : IAsyncDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private readonly string _other = Directory.CreateTempSubdirectory("openduis-devkeys-other-").FullName;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private NodeCluster? _cluster;

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null) await _cluster.DisposeAsync();
        _http.Dispose();
        Directory.Delete(_other, recursive: true);
    }

    [Fact]
    public async Task Nodes_on_separate_data_folders_serve_one_set_of_Device_Certificates_that_verify_each_other_s_Device_responses()
    {
        var cluster = _cluster = await NodeCluster.StartAsync("openduis-devkeys-");
        var data = cluster.Cli.Data;
        CopySettingsAndKeys(data, _other);
        // A Device with no keys yet (a Device added before Devices held keys): the first node to need them issues them.
        var keyless = NodeCluster.Esmes[^1];
        Assert.Equal(1, await cluster.QueryAsync<int>("WITH d AS (DELETE FROM device_keys WHERE device_id = @Id RETURNING 1) SELECT COUNT(*)::int FROM d",
            new { Id = keyless.ToString() }));

        var (portA, smkiA) = (OpenduisProcesses.FreePort(), OpenduisProcesses.FreePort());
        var (portB, smkiB) = (OpenduisProcesses.FreePort(), OpenduisProcesses.FreePort());
        await Task.WhenAll(
            cluster.Cli.ServeOnAsync(data, portA, "--node", "node-a", "--smki-port", smkiA.ToString(CultureInfo.InvariantCulture)),
            cluster.Cli.ServeOnAsync(_other, portB, "--node", "node-b", "--smki-port", smkiB.ToString(CultureInfo.InvariantCulture)));

        // Asked of both nodes at once, the keyless Device is issued one set: both serve the same certificates.
        var both = await Task.WhenAll(CertificatesAsync(smkiA, keyless), CertificatesAsync(smkiB, keyless));
        Assert.Equal(both[0].Select(c => c.RawData), both[1].Select(c => c.RawData));
        // Each Device's certificates served by node a are served by node b, and retrieved there by serial.
        foreach (var device in new[] { DemoEnvironment.Esme, DemoEnvironment.Gsme })
        {
            var served = await CertificatesAsync(smkiA, device);
            Assert.Equal(served.Select(c => c.RawData), (await CertificatesAsync(smkiB, device)).Select(c => c.RawData));
            foreach (var certificate in served)
                Assert.Equal(certificate.RawData, (await RetrieveAsync(smkiB, certificate.SerialNumber)).RawData);
        }

        // A Device's response produced on one node verifies with the certificates the other node serves.
        foreach (var (device, node, port, otherSmki) in new[] { (DemoEnvironment.Esme, "node-a", portA, smkiB), (keyless, "node-b", portB, smkiA) })
        {
            await cluster.LoadAsync(port, 1, [device]);
            var id = cluster.Acknowledged.Single(a => a.Target == device);
            Assert.Empty(await cluster.UnansweredAfterAsync(TimeSpan.FromSeconds(30)));
            var answer = cluster.Received.Single(r => r.RequestId == id);
            Assert.Equal(ResponseCode.I0, answer.ResponseCode);
            Assert.Equal(node, (await cluster.DeviceOwnersAsync())[device.ToString()]);
            var certificates = await CertificatesAsync(otherSmki, device);
            var verifier = new GbcsVerifier(GbcsKeyring.From(KeyStore.Load(Path.Combine(data, "keys")), new Served(device, certificates)), DemoKeySet.DspEui);
            Assert.True(verifier.TryVerify(Convert.FromBase64String(answer.Message!.Payload!.InnerText), out var verification, out var problem), problem);
            Assert.True(verification!.Mac.Verdict == GbcsVerdict.Valid, $"{device} answered through {node}: MAC {verification.Mac.Verdict} {verification.Mac.Detail}");
        }

        // The keys are in the database only: neither data folder holds any.
        Assert.False(Directory.Exists(Path.Combine(data, "device-keys")));
        Assert.False(Directory.Exists(Path.Combine(_other, "device-keys")));
    }

    /// <summary>Another machine's data folder: the settings (its key folder its own copy) and the key folder, not device-keys/.</summary>
    private static void CopySettingsAndKeys(string from, string to)
    {
        var settings = new DataFolder(from).ReadSettings();
        var keys = Path.Combine(to, "keys");
        OwnerOnly.CreateDirectory(keys);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(from, "keys")))
            File.Copy(file, Path.Combine(keys, Path.GetFileName(file)));
        OwnerOnly.WriteAllText(Path.Combine(to, "openduis.json"), System.Text.Json.JsonSerializer.Serialize(settings with { Keys = keys }));
    }

    private sealed class Served(Eui device, X509Certificate2[] certificates) : IDeviceCredentials
    {
        public DeviceCredentials? Find(Eui asked) => asked != device ? null : new DeviceCredentials(device,
            certificates.Single(c => SmkiDeviceCertificate.UsageOf(c) == CertificateKeyUsage.DigitalSignature),
            certificates.Single(c => SmkiDeviceCertificate.UsageOf(c) == CertificateKeyUsage.KeyAgreement));
    }

    /// <summary>The Device's certificates as a node's SMKI Repository serves them: searched by subjectAltName, each retrieved by serial.</summary>
    private async Task<X509Certificate2[]> CertificatesAsync(int smkiPort, Eui device)
    {
        var found = await PostAsync(smkiPort, SmkiRepositoryEndpoints.SearchPath,
            $"<CertificateSearchRequest><CertificateSubjectAltName>{device}</CertificateSubjectAltName></CertificateSearchRequest>");
        var serials = found.GetElementsByTagName("CertificateSerial").Cast<XmlElement>().Select(e => e.InnerText).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(2, serials.Count);
        return await Task.WhenAll(serials.Select(s => RetrieveAsync(smkiPort, s)));
    }

    private async Task<X509Certificate2> RetrieveAsync(int smkiPort, string serialHex)
    {
        var answer = await PostAsync(smkiPort, SmkiRepositoryEndpoints.RetrievePath,
            $"<CertificateDataRequest><CertificateSerial>{serialHex}</CertificateSerial></CertificateDataRequest>");
        return X509CertificateLoader.LoadCertificate(Convert.FromBase64String(answer.GetElementsByTagName("CertificateBody").Cast<XmlElement>().Single().InnerText));
    }

    private async Task<XmlDocument> PostAsync(int port, string path, string xml)
    {
        using var response = await _http.PostAsync($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}{path}",
            new StringContent(xml, Encoding.UTF8, "application/xml"), Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: HTTP {(int)response.StatusCode} {text}");
        var document = new XmlDocument { XmlResolver = null };
        document.LoadXml(text);
        return document;
    }
}

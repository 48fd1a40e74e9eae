using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml;
using Dapper;
using Npgsql;
using OpenDuis.Core.Demo;
using OpenDuis.Gbcs.Keys;
using OpenDuis.Gbcs.Security;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Xml;
using OpenDuis.Server.Delivery;
using OpenDuis.Server.SmkiRepository;
using OpenDuis.Storage;
using OpenDuis.TestSupport;

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
    private readonly OpenduisProcesses _cli = new("openduis-devkeys-") { StartTimeout = TimeSpan.FromSeconds(90) };
    private readonly string _other = Directory.CreateTempSubdirectory("openduis-devkeys-other-").FullName;
    private readonly ConcurrentQueue<DuisResponse> _received = new();
    private readonly CancellationTokenSource _stopListening = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private ResponseListener? _listener;
    private Task _listening = Task.CompletedTask;
    private string? _pgAdmin, _pgSchema;
    private ulong _counter = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;

    public async ValueTask DisposeAsync()
    {
        await _stopListening.CancelAsync();
        await _listening.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (_listener is not null) await _listener.DisposeAsync();
        await _cli.DisposeAsync();
        if (_pgAdmin is not null) await PostgresSchemas.DropSchemaAsync(_pgAdmin, _pgSchema!);
        _stopListening.Dispose();
        _http.Dispose();
        Directory.Delete(_other, recursive: true);
    }

    [Fact]
    public async Task Nodes_on_separate_data_folders_serve_one_set_of_Device_Certificates_that_verify_each_other_s_Device_responses()
    {
        (_pgAdmin, _pgSchema) = await PostgresSchemas.CreateSchemaAsync();
        var scoped = new NpgsqlConnectionStringBuilder(_pgAdmin) { SearchPath = _pgSchema }.ToString();
        var (code, output) = await _cli.RunAsync("init", "--data", _cli.Data, "--postgres", scoped);
        Assert.True(code == 0, output);
        await StartListenerAsync();
        CopySettingsAndKeys(_cli.Data, _other);
        // A Device with no keys yet (a Device added before Devices held keys): the first node to need them issues them.
        await using (var db = new NpgsqlConnection(scoped))
            Assert.Equal(1, await db.ExecuteAsync("DELETE FROM device_keys WHERE device_id = @Id", new { Id = DemoEnvironment.EsmeWithApc.ToString() }));

        var (portA, smkiA) = (OpenduisProcesses.FreePort(), OpenduisProcesses.FreePort());
        var (portB, smkiB) = (OpenduisProcesses.FreePort(), OpenduisProcesses.FreePort());
        await Task.WhenAll(
            _cli.ServeOnAsync(_cli.Data, portA, "--node", "node-a", "--smki-port", smkiA.ToString(CultureInfo.InvariantCulture)),
            _cli.ServeOnAsync(_other, portB, "--node", "node-b", "--smki-port", smkiB.ToString(CultureInfo.InvariantCulture)));

        // Asked of both nodes at once, the keyless Device is issued one set: both serve the same certificates.
        var both = await Task.WhenAll(CertificatesAsync(smkiA, DemoEnvironment.EsmeWithApc), CertificatesAsync(smkiB, DemoEnvironment.EsmeWithApc));
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
        foreach (var (device, node, port, otherSmki) in new[] { (DemoEnvironment.Esme, "node-a", portA, smkiB), (DemoEnvironment.EsmeWithApc, "node-b", portB, smkiA) })
        {
            var id = new RequestId(DemoEnvironment.Supplier, device, ++_counter);
            Assert.Equal(ResponseCode.I99, await ServedRequests.PostAsync(_http, port, ServedRequests.Read411Signer(_cli.Data)(id), Ct));
            var answer = await ReceivedAsync(r => r.RequestId == id);
            Assert.Equal(ResponseCode.I0, answer.ResponseCode);
            Assert.Equal(node, await OwnerAsync(scoped, device));
            var certificates = await CertificatesAsync(otherSmki, device);
            var verifier = new GbcsVerifier(GbcsKeyring.From(KeyStore.Load(Path.Combine(_cli.Data, "keys")), new Served(device, certificates)), DemoKeySet.DspEui);
            Assert.True(verifier.TryVerify(Convert.FromBase64String(answer.Message!.Payload!.InnerText), out var verification, out var problem), problem);
            Assert.True(verification!.Mac.Verdict == GbcsVerdict.Valid, $"{device} answered through {node}: MAC {verification.Mac.Verdict} {verification.Mac.Detail}");
        }

        // The keys are in the database only: neither data folder holds any.
        Assert.False(Directory.Exists(Path.Combine(_cli.Data, "device-keys")));
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

    private async Task StartListenerAsync()
    {
        _listener = await ResponseListener.StartAsync(IPAddress.Loopback, 0, cancellationToken: Ct);
        var (code, output) = await _cli.RunAsync("users", "endpoint", DemoEnvironment.Supplier.ToString(), _listener.Address.ToString(), "--data", _cli.Data);
        Assert.True(code == 0, output);
        var listener = _listener;
        _listening = Task.Run(async () =>
        {
            await foreach (var message in listener.Received.ReadAllAsync(_stopListening.Token))
                _received.Enqueue(DuisResponse.Read(SecureXml.Default.Load(message.Body)));
        }, CancellationToken.None);
    }

    private async Task<DuisResponse> ReceivedAsync(Func<DuisResponse, bool> which)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (_received.FirstOrDefault(which) is { } found) return found;
            await Task.Delay(100, Ct);
        }
        Assert.Fail($"No such message reached the listener; it received {string.Join(", ", _received.Select(r => $"{r.RequestId} {r.ResponseCode}"))}");
        return null!;
    }

    private static async Task<string?> OwnerAsync(string scoped, Eui device)
    {
        await using var db = new NpgsqlConnection(scoped);
        return await db.ExecuteScalarAsync<string?>("SELECT owner FROM device_leases WHERE device_id = @Id", new { Id = device.ToString() });
    }
}

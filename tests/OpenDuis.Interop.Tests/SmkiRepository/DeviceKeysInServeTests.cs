using System.Globalization;
using OpenDuis.Core.Demo;
using OpenDuis.Gbcs.Keys;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Csv;

namespace OpenDuis.Interop.Tests.SmkiRepository;

/// <summary>
/// The data folder's Device keys as a user meets them: <c>openduis init</c> issues them to the demo
/// Devices, <c>openduis import devices</c> to the Devices it adds, and <c>openduis serve</c>'s SMKI
/// Repository answers the DCC Boxed keystore client with them (its backing file empty).
/// </summary>
public sealed class DeviceKeysInServeTests : IAsyncDisposable
{
    private readonly OpenduisProcesses _cli = new("openduis-device-keys-");

    public ValueTask DisposeAsync() => _cli.DisposeAsync();

    [Fact]
    public async Task Init_and_import_issue_Device_keys_and_serve_s_SMKI_Repository_gives_them_to_the_client()
    {
        var (exit, output, error) = await _cli.RunOnDataAsync("init");
        Assert.True(exit == 0, error);
        Assert.Contains("device keys:", output);

        (exit, output, error) = await _cli.RunOnDataAsync("export", "devices");
        Assert.True(exit == 0, error);
        var row = output.Split('\n').Single(l => l.StartsWith(DemoEnvironment.Esme + ",", StringComparison.Ordinal)).Split(',');
        var imported = Eui.Parse("00-DB-12-34-56-78-CA-01");
        row[0] = imported.ToString();
        var csv = Path.Combine(_cli.Data, "devices.csv");
        File.WriteAllText(csv, SmiCsv.DeviceHeader + "\n" + string.Join(',', row) + "\n");
        (exit, output, error) = await _cli.RunOnDataAsync("import", "devices", csv);
        Assert.True(exit == 0, output + error);
        Assert.Contains("Issued Device keys and certificates to 1 Device(s)", output);

        var port = OpenduisProcesses.FreePort();
        var smkiPort = OpenduisProcesses.FreePort();
        await _cli.ServeAsync(port, "--smki-port", smkiPort.ToString(CultureInfo.InvariantCulture));
        var keys = DeviceKeyStore.Open(Path.Combine(_cli.Data, "device-keys"));
        Eui[] devices = [DemoEnvironment.Esme, DemoEnvironment.Gsme, Eui.Parse("00-DB-12-34-56-78-91-A0"), imported];
        var results = await DccBoxedKeystoreClient.QueryAsync(new Uri($"http://127.0.0.1:{smkiPort}/"),
            [.. devices.SelectMany(d => new DccBoxedKeystoreClient.Query[] { new(d.ToString(), "ds"), new(d.ToString(), "ka") })]);
        // The SMETS1 Service Provider's certificate, which verifies its signed SMETS1 Responses, is served too.
        using (var http = new HttpClient())
        using (var s1sp = await http.PostAsync($"http://127.0.0.1:{smkiPort}/services/certificatesearch",
                   new StringContent("<CertificateSearchRequest><CertificateSubjectName>90-b3-d5-1f-30-00-01-01</CertificateSubjectName></CertificateSearchRequest>",
                       System.Text.Encoding.UTF8, "application/xml"), TestContext.Current.CancellationToken))
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, s1sp.StatusCode);
            Assert.Contains("<CertificateRole>135</CertificateRole>", await s1sp.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        }
        for (var i = 0; i < devices.Length; i++)
        {
            var held = keys.Find(devices[i])!;
            Assert.Equal(Convert.ToBase64String(held.DigitalSigningCertificate.RawData),
                Assert.Single(results[2 * i].GetProperty("result").EnumerateArray()).GetProperty("der").GetString());
            Assert.Equal(Convert.ToBase64String(held.KeyAgreementCertificate.RawData),
                Assert.Single(results[2 * i + 1].GetProperty("result").EnumerateArray()).GetProperty("der").GetString());
        }
    }
}

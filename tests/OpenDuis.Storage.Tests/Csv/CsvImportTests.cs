using OpenDuis.Core.Demo;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Csv;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Storage.Tests.Csv;

public sealed class CsvImportTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("openduis-csv-").FullName;
    private ISmiStore _store = null!;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _store = await SqliteSmiStore.OpenAsync(Path.Combine(_dir, "openduis.db"), Ct);

    public async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private string Write(string name, params string[] lines)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllLines(path, lines);
        return path;
    }

    private const string GoodDevice = "00-DB-12-34-56-78-90-B0,ESME,SMETS2+,Commissioned,0DB1,ESME,1.0,4G North,,00-DB-12-34-56-78-90-B2,1012345678903,12345,,,,";

    [Fact]
    public async Task A_device_file_with_bad_rows_is_refused_with_each_line_number_and_nothing_is_written()
    {
        var path = Write("devices.csv",
            SmiCsv.DeviceHeader,
            GoodDevice,
            "00-DB-12-34-56-78-90-B1,TOASTER,SMETS2+,Commissioned,,,,,,,,,,,,",
            "00-DB-12-34-56-78-90-B3,GSME,SMETS2+,Commissioned,,,,,,,1012345678901,,,,,",
            "not-an-eui,GSME,SMETS2+,Commissioned,,,,,,,,,,,,",
            "00-DB-12-34-56-78-90-B4,GSME,SMETS1,Commissioned,,,,SMETS1,,,1234567,,,,,",
            "00-DB-12-34-56-78-90-B5,GSME,SMETS2+,Installed,,,,,,,,,,,,",
            "00-DB-12-34-56-78-90-B6,GSME,SMETS2+",
            GoodDevice.Replace("90-B0", "90-B7", StringComparison.Ordinal));

        var result = await CsvImporter.ImportAsync(_store, CsvKind.Devices, path, cancellationToken: Ct);

        Assert.False(result.Succeeded);
        Assert.Equal(0, result.RowsWritten);
        Assert.Equal(
        [
            "line 3: device_type 'TOASTER' is not one of ESME, GSME, GPF, CHF, HCALCS, PPMID, IHD, CAD",
            "line 4: mpxn '1012345678901' is not a valid MPAN core: its check digit (the 13th) does not match.",
            "line 5: device_id 'not-an-eui' is not an EUI-64",
            "line 6: a SMETS1 device needs its smets1_service_provider",
            "line 7: smi_status 'Installed' is not one of Pending, Whitelisted, InstalledNotCommissioned, Commissioned, Decommissioned, Withdrawn, Suspended, Recovery, Recovered",
            "line 8: expected 16 columns, found 3",
        ], result.Errors.Select(e => e.ToString()));
        Assert.Null(await _store.FindDeviceAsync(Eui.Parse("00-DB-12-34-56-78-90-B0"), Ct));
        Assert.Null(await _store.FindDeviceAsync(Eui.Parse("00-DB-12-34-56-78-90-B7"), Ct));
    }

    [Fact]
    public async Task SMETS1_notified_critical_parties_import_and_export_and_are_refused_on_other_devices_or_when_malformed()
    {
        const string smets1 = "00-DB-12-34-56-78-91-B0,ESME,SMETS1,Commissioned,0DB1,S1-ESME,1.0,SMETS1,,,1912345678904,,,90-B3-D5-1F-30-00-01-01,CRITICAL-SUPPLIER,CRITICAL-DNO";
        var bad = Write("bad.csv",
            SmiCsv.DeviceHeader,
            GoodDevice.Replace(",,,,", ",,,CRITICAL-SUPPLIER,", StringComparison.Ordinal),
            smets1.Replace("CRITICAL-DNO", "not a party!", StringComparison.Ordinal));

        var refused = await CsvImporter.ImportAsync(_store, CsvKind.Devices, bad, cancellationToken: Ct);

        Assert.Equal(
        [
            "line 2: notified_critical_supplier is only for a SMETS1 device",
            "line 3: notified_critical_network_operator 'not a party!' is not a Party ID",
        ], refused.Errors.Select(e => e.ToString()));

        var good = Write("good.csv", SmiCsv.DeviceHeader, smets1);
        Assert.Equal(1, (await CsvImporter.ImportAsync(_store, CsvKind.Devices, good, cancellationToken: Ct)).RowsWritten);
        var device = (await _store.FindDeviceAsync(Eui.Parse("00-DB-12-34-56-78-91-B0"), Ct))!;
        Assert.Equal(("CRITICAL-SUPPLIER", "CRITICAL-DNO"), (device.Smets1NotifiedCriticalSupplier?.Value, device.Smets1NotifiedCriticalNetworkOperator?.Value));
        var exported = new StringWriter();
        await CsvExporter.ExportAsync(_store, CsvKind.Devices, exported, Ct);
        Assert.Contains(smets1, exported.ToString());
    }

    [Fact]
    public async Task A_device_already_in_the_inventory_fails_the_whole_import_naming_its_line()
    {
        await DemoEnvironment.SeedAsync(_store, cancellationToken: Ct);
        var path = Write("devices.csv",
            SmiCsv.DeviceHeader,
            GoodDevice,
            "00-DB-12-34-56-78-90-A0,ESME,SMETS2+,Commissioned,,,,,,,,,,,,");

        var result = await CsvImporter.ImportAsync(_store, CsvKind.Devices, path, cancellationToken: Ct);

        var error = Assert.Single(result.Errors);
        Assert.Equal(3, error.Line);
        Assert.Contains("00-DB-12-34-56-78-90-A0 is already in the Smart Metering Inventory", error.Message);
        Assert.Null(await _store.FindDeviceAsync(Eui.Parse("00-DB-12-34-56-78-90-B0"), Ct));
    }

    [Fact]
    public async Task A_wrong_header_is_refused_on_line_1()
    {
        var path = Write("devices.csv", "id,type", GoodDevice);
        var result = await CsvImporter.ImportAsync(_store, CsvKind.Devices, path, cancellationToken: Ct);
        Assert.Equal(1, Assert.Single(result.Errors).Line);
        Assert.Contains("the header must be", result.Errors[0].Message);
    }

    [Fact]
    public async Task An_unclosed_quote_is_refused_with_its_line()
    {
        var path = Write("parties.csv", SmiCsv.PartyHeader, "90-B3-D5-1F-30-01-00-00,SUP,\"Supplier, Ltd,false,IS,Active,,5.4");
        var result = await CsvImporter.ImportAsync(_store, CsvKind.Parties, path, cancellationToken: Ct);
        Assert.Equal("line 2: a quoted field is not closed (fields may not span lines).", Assert.Single(result.Errors).ToString());
    }

    [Fact]
    public async Task Parties_and_registrations_import_and_export_round_trip()
    {
        var parties = Write("parties.csv",
            SmiCsv.PartyHeader,
            "90-B3-D5-1F-30-01-00-00,SUP,\"Supplier, Ltd\",false,IS;GS,Active,https://sup.example/duis,5.4",
            "90-B3-D5-1F-30-02-00-00,DNO,Network Operator,false,ED,Suspended,,5.1");
        var registrations = Write("registrations.csv",
            SmiCsv.RegistrationHeader,
            "1012345678903,Supplier,OLD,2025-01-01T00:00:00Z,",
            "1012345678903,Supplier,SUP,2026-04-01T00:00:00Z,",
            "1012345678903,NetworkOperator,DNO,2025-01-01T00:00:00+00:00,");

        Assert.Equal(2, (await CsvImporter.ImportAsync(_store, CsvKind.Parties, parties, cancellationToken: Ct)).RowsWritten);
        Assert.Equal(3, (await CsvImporter.ImportAsync(_store, CsvKind.Registrations, registrations, cancellationToken: Ct)).RowsWritten);

        var t = new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);
        var mpan = Mpxn.Parse("1012345678903");
        Assert.Equal("OLD", (await _store.RegisteredPartyAsync(mpan, RegisteredRole.Supplier, t.AddSeconds(-1), Ct))?.Value);
        Assert.Equal("SUP", (await _store.RegisteredPartyAsync(mpan, RegisteredRole.Supplier, t, Ct))?.Value);

        var exported = new StringWriter();
        await CsvExporter.ExportAsync(_store, CsvKind.Parties, exported, Ct);
        Assert.Equal(File.ReadAllText(parties).ReplaceLineEndings(), exported.ToString().ReplaceLineEndings());

        exported = new StringWriter();
        await CsvExporter.ExportAsync(_store, CsvKind.Registrations, exported, Ct);
        Assert.Contains("1012345678903,Supplier,OLD,2025-01-01T00:00:00.0000000+00:00,2026-04-01T00:00:00.0000000+00:00", exported.ToString());
    }

    [Fact]
    public async Task Bad_party_and_registration_rows_are_named()
    {
        var parties = Write("parties.csv", SmiCsv.PartyHeader,
            "90-B3-D5-1F-30-01-00-00,SUP,Supplier,false,IS;XX,Active,,5.4",
            "90-B3-D5-1F-30-01-00-01,SUP,Supplier,false,IS,Active,ftp://x/,5.4");
        var registrations = Write("registrations.csv", SmiCsv.RegistrationHeader,
            "1012345678903,Supplier,SUP,2026-04-01T00:00:00,",
            "1012345678903,Landlord,SUP,2026-04-01T00:00:00Z,",
            "1012345678903,Supplier,SUP,2026-04-01T00:00:00Z,2026-03-01T00:00:00Z");

        var p = await CsvImporter.ImportAsync(_store, CsvKind.Parties, parties, cancellationToken: Ct);
        var r = await CsvImporter.ImportAsync(_store, CsvKind.Registrations, registrations, cancellationToken: Ct);

        Assert.Equal(
        [
            "line 2: roles: 'XX' is not a User Role code (IS, ES, GS, ED, GT, RSA, MDR, OU)",
            "line 3: response_endpoint 'ftp://x/' is not an absolute http(s) URL",
        ], p.Errors.Select(e => e.ToString()));
        Assert.Equal(
        [
            "line 2: effective_from '2026-04-01T00:00:00' is not an ISO 8601 date-time with an offset (e.g. 2026-04-01T00:00:00Z)",
            "line 3: role 'Landlord' is not Supplier or NetworkOperator",
            "line 4: effective_to 2026-03-01T00:00:00Z is not after effective_from 2026-04-01T00:00:00Z",
        ], r.Errors.Select(e => e.ToString()));
        Assert.Empty(await _store.PartiesAsync(Ct));
    }

    [Fact]
    public async Task Devices_export_in_the_layout_import_reads()
    {
        await DemoEnvironment.SeedAsync(_store, cancellationToken: Ct);
        var path = Path.Combine(_dir, "export.csv");
        await using (var w = new StreamWriter(path)) await CsvExporter.ExportAsync(_store, CsvKind.Devices, w, Ct);

        await using var other = await SqliteSmiStore.OpenAsync(Path.Combine(_dir, "other.db"), Ct);
        var result = await CsvImporter.ImportAsync(other, CsvKind.Devices, path, cancellationToken: Ct);

        Assert.Equal(DemoEnvironment.Devices.Count, result.RowsWritten);
        foreach (var d in DemoEnvironment.Devices) Assert.Equal(d, await other.FindDeviceAsync(d.Id, Ct));
    }
}

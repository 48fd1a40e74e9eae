using System.Globalization;
using System.Text;
using OpenDuis.Core.Demo;
using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Csv;
using OpenDuis.Storage.Outbox;
using OpenDuis.Storage.Schedules;
using OpenDuis.TestSupport;

namespace OpenDuis.Cli.Tests.Schedules;

/// <summary>
/// Registration Data and Users change only through <c>openduis import</c>: run as a separate process
/// on a data folder holding DCC Schedules, an import that takes schedules away from their owners
/// removes them at once, and the DSPScheduleRemoval alerts it writes to the folder's outbox (for
/// <c>serve</c> to deliver) are signed by the DSP and valid for the DCC Boxed tool.
/// </summary>
public sealed class ScheduleRemovalOnImportTests : IAsyncDisposable
{
    private const string ReadLogBody =
        "<sr:DSPRetrieveImportDailyReadLog xmlns:sr=\"http://www.dccinterface.co.uk/ServiceUserGateway\">" +
        "<sr:StartDateOffset>-1</sr:StartDateOffset><sr:StartTime>00:00:00.00Z</sr:StartTime>" +
        "<sr:EndDateOffset>0</sr:EndDateOffset><sr:EndTime>00:00:00.00Z</sr:EndTime></sr:DSPRetrieveImportDailyReadLog>";

    private readonly OpenduisProcesses _cli = new("openduis-schedule-import-");
    private static CancellationToken Ct => TestContext.Current.CancellationToken;
    private string Database => Path.Combine(_cli.Data, "openduis.db");

    public ValueTask DisposeAsync() => _cli.DisposeAsync();

    [Fact]
    public async Task Importing_a_change_of_supplier_removes_the_old_supplier_s_schedules_on_the_meter_at_once_with_N17()
    {
        await InitAsync();
        var (onMeter, onOtherMeter) = (await CreateAsync(DemoEnvironment.Supplier, DemoEnvironment.Esme), await CreateAsync(DemoEnvironment.Supplier, DemoEnvironment.EsmeWithApc));
        var csv = Write("change-of-supplier.csv", SmiCsv.RegistrationHeader,
            $"{DemoEnvironment.ElectricityMpan},Supplier,{DemoEnvironment.LoadControllerParty},{Instant(DateTimeOffset.UtcNow.AddHours(-1))},");

        var (exit, output, error) = await _cli.RunOnDataAsync("import", "registrations", csv);

        Assert.True(exit == 0, error);
        Assert.Contains($"Removed DCC Schedule {onMeter} of {DemoEnvironment.Supplier} on {DemoEnvironment.Esme} (E4): N17 DSPScheduleRemoval", output);
        Assert.DoesNotContain($"Removed DCC Schedule {onOtherMeter}", output);
        await using (var store = await SqliteScheduleStore.OpenAsync(Database, Ct))
        {
            Assert.Null(await store.GetAsync(onMeter, Ct));
            Assert.NotNull(await store.GetAsync(onOtherMeter, Ct));
        }
        var alert = Assert.Single(await AlertsAsync());
        AssertRemovalAlert(alert, DemoEnvironment.Supplier, "N17", onMeter, DemoEnvironment.Esme);
    }

    /// <summary>A withdrawn User's schedules end with N37, a User left with no role that may send the scheduled request with N40; an unchanged User's stay.</summary>
    [Fact]
    public async Task Importing_a_withdrawn_User_and_a_User_without_the_role_removes_their_schedules_at_once_with_N37_and_N40()
    {
        await InitAsync();
        var withdrawn = await CreateAsync(DemoEnvironment.Supplier, DemoEnvironment.Esme);
        var roleLost = await CreateAsync(DemoEnvironment.SupplierSecondUser, DemoEnvironment.Esme);
        var unchanged = await CreateAsync(DemoEnvironment.RoleUsers[UserRole.ImportSupplier], DemoEnvironment.Esme);
        var csv = Write("users.csv", SmiCsv.PartyHeader,
            $"{DemoEnvironment.Supplier},{DemoEnvironment.SupplierParty},Demo Supplier,false,IS;ES;GS,Withdrawn,,5.4",
            $"{DemoEnvironment.SupplierSecondUser},{DemoEnvironment.SupplierParty},Demo Supplier,false,ES,Active,,5.4",
            $"{DemoEnvironment.RoleUsers[UserRole.ImportSupplier]},{DemoEnvironment.SupplierParty},Demo Supplier,false,IS,Active,,5.4");

        var (exit, output, error) = await _cli.RunOnDataAsync("import", "parties", csv);

        Assert.True(exit == 0, error);
        Assert.Contains($"Removed DCC Schedule {withdrawn} of {DemoEnvironment.Supplier} on {DemoEnvironment.Esme} (E3): N37", output);
        Assert.Contains($"Removed DCC Schedule {roleLost} of {DemoEnvironment.SupplierSecondUser} on {DemoEnvironment.Esme} (E2): N40", output);
        Assert.DoesNotContain($"Removed DCC Schedule {unchanged}", output);
        await using (var store = await SqliteScheduleStore.OpenAsync(Database, Ct))
            Assert.Equal([unchanged], (await store.OnDeviceAsync(DemoEnvironment.Esme, Ct)).Select(s => s.Id));
        var alerts = await AlertsAsync();
        Assert.Equal(2, alerts.Count);
        AssertRemovalAlert(alerts.Single(a => a.Recipient == DemoEnvironment.Supplier), DemoEnvironment.Supplier, "N37", withdrawn, DemoEnvironment.Esme);
        AssertRemovalAlert(alerts.Single(a => a.Recipient == DemoEnvironment.SupplierSecondUser), DemoEnvironment.SupplierSecondUser, "N40", roleLost, DemoEnvironment.Esme);
    }

    /// <summary>An import that takes nothing away (the same supplier registered again) removes nothing and writes no alert.</summary>
    [Fact]
    public async Task Importing_registrations_that_change_no_supplier_removes_nothing()
    {
        await InitAsync();
        var id = await CreateAsync(DemoEnvironment.Supplier, DemoEnvironment.Esme);
        var csv = Write("same-supplier.csv", SmiCsv.RegistrationHeader,
            $"{DemoEnvironment.ElectricityMpan},Supplier,{DemoEnvironment.SupplierParty},{Instant(DateTimeOffset.UtcNow.AddHours(-1))},");

        var (exit, output, error) = await _cli.RunOnDataAsync("import", "registrations", csv);

        Assert.True(exit == 0, error);
        Assert.DoesNotContain("Removed DCC Schedule", output);
        await using (var store = await SqliteScheduleStore.OpenAsync(Database, Ct))
            Assert.NotNull(await store.GetAsync(id, Ct));
        Assert.Empty(await AlertsAsync());
    }

    /// <summary>
    /// Without the DSP's signing key no alert can be written: the import stands (it committed first),
    /// the schedules are left to the executor, and the command says so and exits 1.
    /// </summary>
    [Fact]
    public async Task Without_the_DSP_signing_key_the_import_says_its_schedules_were_not_reviewed_and_exits_1()
    {
        await InitAsync();
        var id = await CreateAsync(DemoEnvironment.Supplier, DemoEnvironment.Esme);
        var keystore = Path.Combine(_cli.Data, "zaz1", "zaz1-keystore.json");
        var keys = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(keystore))!.AsObject();
        Assert.True(keys.Remove(Protocol.Keys.DemoKeySet.DspEui.ToCompactString().ToLowerInvariant()), "the ZAZ1 key store holds the DSP's keys");
        File.WriteAllText(keystore, keys.ToJsonString());
        var csv = Write("change-of-supplier.csv", SmiCsv.RegistrationHeader,
            $"{DemoEnvironment.ElectricityMpan},Supplier,{DemoEnvironment.LoadControllerParty},{Instant(DateTimeOffset.UtcNow.AddHours(-1))},");

        var (exit, output, error) = await _cli.RunOnDataAsync("import", "registrations", csv);

        Assert.Equal(1, exit);
        Assert.Contains("Imported 1 registrations", output);
        Assert.Contains("Imported, but the DCC Schedules it affects were not reviewed: The key store has no DSP xmlSign key", error);
        Assert.Contains("They end at their next occurrence instead.", error);
        await using (var store = await SqliteScheduleStore.OpenAsync(Database, Ct))
            Assert.NotNull(await store.GetAsync(id, Ct));
        Assert.Empty(await AlertsAsync());
    }

    private static void AssertRemovalAlert(Core.Outbox.PendingDelivery alert, Eui owner, string code, DspScheduleId id, Eui device)
    {
        var xml = Encoding.UTF8.GetString(alert.Body);
        Assert.Equal(owner, alert.Recipient);
        Assert.Contains("DSPScheduleRemoval", xml);
        Assert.Contains($">{code}<", xml);
        Assert.Contains($">{id}<", xml);
        Assert.Contains(device.ToString(), xml);
        var validated = DccBoxedTool.Shared.Validate(xml);
        Assert.True(validated.Succeeded, $"{validated}\n{xml}");
    }

    /// <summary>A data folder on the ZAZ1 key store as DCC Boxed has it, so the tool trusts the DSP's signature.</summary>
    private async Task InitAsync()
    {
        var keys = Directory.CreateDirectory(Path.Combine(_cli.Data, "zaz1")).FullName;
        File.Copy(Path.Combine(RepoPaths.Keystore, "zaz1-keystore.json"), Path.Combine(keys, "zaz1-keystore.json"));
        var (exit, _, error) = await _cli.RunOnDataAsync("init", "--zaz1", keys);
        Assert.True(exit == 0, error);
    }

    /// <summary>A daily 4.6.1 schedule starting tomorrow, written into the data folder's database as 5.1 would.</summary>
    private async Task<DspScheduleId> CreateAsync(Eui owner, Eui device)
    {
        await using var store = await SqliteScheduleStore.OpenAsync(Database, Ct);
        var timing = new ScheduleTiming(ScheduleFrequency.Daily, DateOnly.FromDateTime(DateTime.UtcNow).AddDays(1));
        return await store.CreateAsync(new ScheduleDefinition(owner, UserRole.ImportSupplier, timing, ServiceReferenceVariant.Parse("4.6.1"), device, ReadLogBody, null),
            DateTimeOffset.UtcNow, Ct);
    }

    private async Task<IReadOnlyList<Core.Outbox.PendingDelivery>> AlertsAsync()
    {
        var outbox = await SqliteOutboxStore.OpenAsync(Database, TimeProvider.System, Ct);
        return await outbox.LeaseDueAsync(DateTimeOffset.UtcNow.AddMinutes(1), TimeSpan.FromMinutes(1), 100, Ct);
    }

    private string Write(string name, params string[] lines)
    {
        var path = Path.Combine(_cli.Data, name);
        File.WriteAllText(path, string.Join('\n', lines) + "\n");
        return path;
    }

    private static string Instant(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}

using System.Numerics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Npgsql;
using OpenDuis.Gbcs.Keys;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.DeviceKeys;

namespace OpenDuis.Storage.Tests.DeviceKeys;

/// <summary>
/// The emulated Devices' keys as two nodes see them (issue 22): two stores opened at once agree on the demo Device CA;
/// a Device issued keys by both at once has one set of keys and certificates in both (the first written wins); a
/// certificate one issued is found by its serial through the other; an Alert counter taken through either never
/// repeats and never goes back. On files the two stores share one folder (nodes on one machine); on PostgreSQL each
/// has a folder of its own (nodes on separate machines) and they share only the database.
/// </summary>
public abstract class DeviceKeyStoreContract : IAsyncLifetime
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;
    protected readonly string Dir = Directory.CreateTempSubdirectory("openduis-device-key-store-").FullName;
    private readonly List<DeviceKeyStore> _opened = [];

    /// <summary>A store as node <paramref name="node"/> opens it.</summary>
    protected abstract Task<DeviceKeyStore> OpenStoreAsync(string node);

    protected async Task<DeviceKeyStore> OpenAsync(string node)
    {
        var store = await OpenStoreAsync(node);
        lock (_opened) _opened.Add(store);
        return store;
    }

    protected virtual ValueTask DropAsync() => ValueTask.CompletedTask;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _opened) store.Dispose();
        await DropAsync();
        Directory.Delete(Dir, recursive: true);
    }

    private static readonly Eui[] Devices = [.. Enumerable.Range(0, 16).Select(i => Eui.Parse($"00-DB-12-34-56-78-9{i / 10}-{i % 10}0"))];

    private async Task<(DeviceKeyStore A, DeviceKeyStore B)> OpenBothAtOnceAsync()
    {
        var both = await Task.WhenAll(Task.Run(() => OpenAsync("a")), Task.Run(() => OpenAsync("b")));
        return (both[0], both[1]);
    }

    [Fact]
    public async Task Two_stores_opened_at_once_issue_each_Device_one_set_of_keys_from_one_Device_CA()
    {
        var (a, b) = await OpenBothAtOnceAsync();
        Assert.Equal(a.DeviceCa.RawData, b.DeviceCa.RawData);

        var issuedBy = new int[Devices.Length];
        using var start = new Barrier(2);
        void Issue(DeviceKeyStore store)
        {
            start.SignalAndWait(Ct);
            for (var i = 0; i < Devices.Length; i++)
            {
                store.Ensure(Devices[i], out var issued);
                if (issued) Interlocked.Increment(ref issuedBy[i]);
            }
        }
        await Task.WhenAll(Task.Run(() => Issue(a), Ct), Task.Run(() => Issue(b), Ct));

        Assert.All(issuedBy, n => Assert.Equal(1, n));
        foreach (var device in Devices)
        {
            var (x, y) = (a.Find(device)!, b.Find(device)!);
            Assert.Equal(x.DigitalSigningCertificate.RawData, y.DigitalSigningCertificate.RawData);
            Assert.Equal(x.KeyAgreementCertificate.RawData, y.KeyAgreementCertificate.RawData);
            Assert.Equal(x.DigitalSigningKey!.ExportSubjectPublicKeyInfo(), y.DigitalSigningKey!.ExportSubjectPublicKeyInfo());
            Assert.Equal(x.KeyAgreementKey!.ExportSubjectPublicKeyInfo(), y.KeyAgreementKey!.ExportSubjectPublicKeyInfo());
            // What one signs, the other's certificate verifies.
            var signature = x.DigitalSigningKey.SignData("GBCS"u8, HashAlgorithmName.SHA256);
            Assert.True(y.DigitalSigningCertificate.GetECDsaPublicKey()!.VerifyData("GBCS"u8, signature, HashAlgorithmName.SHA256));
        }
        // Opened again: the same Device CA, nothing issued anew.
        var again = await OpenAsync("a");
        Assert.Equal(a.DeviceCa.RawData, again.DeviceCa.RawData);
        Assert.Equal(0, again.EnsureAll(Devices));
    }

    [Fact]
    public async Task A_Device_Certificate_issued_through_one_store_is_found_by_its_serial_through_the_other()
    {
        var (a, b) = await OpenBothAtOnceAsync();
        var issued = a.Ensure(Devices[0]);
        foreach (var certificate in new[] { issued.DigitalSigningCertificate, issued.KeyAgreementCertificate })
        {
            var serial = new BigInteger(certificate.SerialNumberBytes.Span, isUnsigned: true, isBigEndian: true);
            Assert.Equal(certificate.RawData, b.FindCertificate(serial)?.RawData);
        }
        Assert.Null(b.FindCertificate(new BigInteger(12345)));
        // Found by serial, the Device is known to that store too: the same keys, none issued.
        b.Ensure(Devices[0], out var issuedAgain);
        Assert.False(issuedAgain);
    }

    [Fact]
    public async Task Alert_counters_taken_through_two_stores_never_repeat_and_never_go_back()
    {
        var (a, b) = await OpenBothAtOnceAsync();
        var device = Devices[1];
        var taken = new System.Collections.Concurrent.ConcurrentBag<ulong>();
        using var start = new Barrier(2);
        void Take(DeviceKeyStore store)
        {
            start.SignalAndWait(Ct);
            for (var i = 0; i < 40; i++) taken.Add(store.AlertCounters.Next(device));
        }
        await Task.WhenAll(Task.Run(() => Take(a), Ct), Task.Run(() => Take(b), Ct));
        Assert.Equal(Enumerable.Range(1, 80).Select(i => (ulong)i), taken.Order());

        // Raised (an import of a higher counter) it moves on from there; a lower one leaves it.
        a.Vault.RaiseAlertCounter(device, 500);
        Assert.Equal(501UL, b.AlertCounters.Next(device));
        b.Vault.RaiseAlertCounter(device, 3);
        Assert.Equal(502UL, a.AlertCounters.Next(device));
        Assert.Equal(1UL, a.AlertCounters.Next(Devices[2]));
    }
}

/// <summary>Files: the two stores share one device-keys folder, as nodes on one machine do.</summary>
public sealed class FolderDeviceKeyStoreTests : DeviceKeyStoreContract
{
    protected override Task<DeviceKeyStore> OpenStoreAsync(string node) =>
        Task.FromResult(DeviceKeyStore.Open(Path.Combine(Dir, "device-keys")));
}

/// <summary>
/// PostgreSQL: each store has its own connection pool and its own device-keys folder (nodes on separate machines);
/// a folder from before is imported, the first to bring a Device's keys winning.
/// </summary>
public sealed class PostgresDeviceKeyStoreTests : DeviceKeyStoreContract
{
    private readonly string _schema = "t_" + Guid.NewGuid().ToString("N");
    private string? _admin, _scoped;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);

    private async Task<string> ScopedAsync()
    {
        await _schemaGate.WaitAsync(Ct);
        try
        {
            if (_scoped is null) (_admin, _scoped) = await PostgresTestSchema.CreateAsync(_schema);
            return _scoped;
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    protected override async Task<DeviceKeyStore> OpenStoreAsync(string node)
    {
        var vault = await PostgresDeviceKeyVault.OpenAsync(NpgsqlDataSource.Create(await ScopedAsync()), ownsDataSource: true, cancellationToken: Ct);
        return DeviceKeyStore.OpenImporting(vault, new FolderDeviceKeyVault(NodeFolder(node), create: false), null, null);
    }

    private string NodeFolder(string node) => Path.Combine(Dir, node, "device-keys");

    protected override async ValueTask DropAsync()
    {
        if (_admin is not null) await PostgresTestSchema.DropAsync(_admin, _schema);
        _schemaGate.Dispose();
    }

    private static readonly Eui X = Eui.Parse("00-DB-12-34-56-78-AA-01");
    private static readonly Eui Y = Eui.Parse("00-DB-12-34-56-78-AA-02");
    private static readonly Eui Z = Eui.Parse("00-DB-12-34-56-78-AA-03");

    [Fact]
    public async Task Keys_in_device_keys_folders_from_before_are_imported_and_the_first_to_bring_a_Device_s_keys_wins()
    {
        // Two machines' folders from before: each its own Device CA; both issued Y, each its own keys.
        var first = DeviceKeyStore.Open(NodeFolder("a"));
        var second = DeviceKeyStore.Open(NodeFolder("b"));
        var (x, y1) = (first.Ensure(X), first.Ensure(Y));
        var (y2, z) = (second.Ensure(Y), second.Ensure(Z));
        for (var i = 0; i < 41; i++) first.AlertCounters.Next(X);
        for (var i = 0; i < 7; i++) second.AlertCounters.Next(X);
        for (var i = 0; i < 9; i++) second.AlertCounters.Next(Z);
        var filesBefore = Directory.GetFiles(Path.Combine(Dir), "*", SearchOption.AllDirectories).Order().ToList();

        var a = await OpenAsync("a");
        Assert.Equal(2, a.Imported);
        Assert.Equal(first.DeviceCa.RawData, a.DeviceCa.RawData);
        var b = await OpenAsync("b");
        Assert.Equal(1, b.Imported); // Z: Y was brought by node a first
        Assert.Equal(first.DeviceCa.RawData, b.DeviceCa.RawData);

        foreach (var store in new[] { a, b })
        {
            Assert.Equal(x.DigitalSigningCertificate.RawData, store.Find(X)!.DigitalSigningCertificate.RawData);
            Assert.Equal(y1.KeyAgreementCertificate.RawData, store.Find(Y)!.KeyAgreementCertificate.RawData);
            Assert.Equal(z.DigitalSigningCertificate.RawData, store.Find(Z)!.DigitalSigningCertificate.RawData);
        }
        Assert.NotEqual(y2.DigitalSigningCertificate.RawData, b.Find(Y)!.DigitalSigningCertificate.RawData);
        // The highest counter of either folder, then one more: never one a Device has sent.
        Assert.Equal(42UL, b.AlertCounters.Next(X));
        Assert.Equal(10UL, a.AlertCounters.Next(Z));

        // Imported again (each start): nothing more, the folders left as they were, no key written to a file.
        Assert.Equal(0, (await OpenAsync("a")).Imported);
        Assert.Equal(0, (await OpenAsync("b")).Imported);
        Assert.Equal(43UL, a.AlertCounters.Next(X));
        Assert.Equal(filesBefore, Directory.GetFiles(Path.Combine(Dir), "*", SearchOption.AllDirectories).Order().ToList());
        a.Ensure(Eui.Parse("00-DB-12-34-56-78-AA-16"));
        Assert.Equal(filesBefore, Directory.GetFiles(Path.Combine(Dir), "*", SearchOption.AllDirectories).Order().ToList());
    }

    [Fact]
    public async Task A_damaged_key_file_in_a_folder_to_import_is_refused_naming_it_and_nothing_of_it_is_kept()
    {
        DeviceKeyStore.Open(NodeFolder("a")).Ensure(X);
        var file = Path.Combine(NodeFolder("a"), X.ToCompactString().ToLowerInvariant() + ".pem");
        File.WriteAllText(file, File.ReadAllText(file).Replace("PRIVATE KEY", "PUBLIC KEY", StringComparison.Ordinal));

        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => OpenAsync("a"));
        Assert.Contains(file, refused.Message);
        // Node b, with no folder, issues X its own keys: the damaged bundle was not kept.
        var b = await OpenAsync("b");
        b.Ensure(X, out var issued);
        Assert.True(issued);
    }

    [Fact]
    public async Task A_damaged_Device_CA_file_in_a_folder_to_import_is_refused_naming_it_and_not_kept()
    {
        var ca = Path.Combine(Directory.CreateDirectory(NodeFolder("a")).FullName, DeviceKeyStore.CaFileName);
        File.WriteAllText(ca, "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => OpenAsync("a"));
        Assert.Contains(ca, refused.Message);
        // The database kept nothing of it: node b creates the Device CA.
        var b = await OpenAsync("b");
        Assert.Equal(DeviceKeyStore.CaCommonName, b.DeviceCa.GetNameInfo(X509NameType.SimpleName, false));
    }

    [Fact]
    public async Task A_damaged_row_in_the_database_is_refused_naming_the_Device_or_the_Device_CA()
    {
        var (a, b) = (await OpenAsync("a"), await OpenAsync("b"));
        a.Ensure(X);
        await using (var db = new NpgsqlConnection(await ScopedAsync()))
        {
            await db.OpenAsync(Ct);
            await using var damage = new NpgsqlCommand("UPDATE device_keys SET bundle = 'not PEM'; UPDATE device_key_ca SET pem = 'not PEM'", db);
            await damage.ExecuteNonQueryAsync(Ct);
        }
        // Node b reads the Device's bundle when it first needs it; a node starting reads the Device CA.
        var unreadable = Assert.Throws<InvalidDataException>(() => b.Find(X));
        Assert.Contains($"device_keys ({X})", unreadable.Message);
        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => OpenAsync("c"));
        Assert.Contains("device_key_ca", refused.Message);
    }

    [Fact]
    public async Task A_damaged_Alert_counter_file_in_a_folder_to_import_is_refused_naming_it()
    {
        var counter = new FileDeviceAlertCounters(Directory.CreateDirectory(NodeFolder("a")).FullName).PathOf(X);
        File.WriteAllText(counter, "forty-one\n");
        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => OpenAsync("a"));
        Assert.Contains(counter, refused.Message);
    }
}

using OpenDuis.Core.Demo;
using OpenDuis.Core.Parties;
using OpenDuis.TestSupport;

namespace OpenDuis.Storage.Tests;

public sealed class DataFolderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("openduis-data-").FullName;
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void The_option_wins_over_the_environment_which_wins_over_the_per_user_default()
    {
        var saved = Environment.GetEnvironmentVariable(DataFolder.EnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable(DataFolder.EnvironmentVariable, Path.Combine(_dir, "env"));
            Assert.Equal(Path.Combine(_dir, "opt"), DataFolder.Resolve(Path.Combine(_dir, "opt")).Path);
            Assert.Equal(Path.Combine(_dir, "env"), DataFolder.Resolve(null).Path);
            Environment.SetEnvironmentVariable(DataFolder.EnvironmentVariable, null);
            Assert.EndsWith("openduis", DataFolder.Resolve(null).Path);
        }
        finally
        {
            Environment.SetEnvironmentVariable(DataFolder.EnvironmentVariable, saved);
        }
    }

    [Fact]
    public async Task The_typed_stores_of_a_data_folder_are_one_database_and_the_composite_reads_what_each_wrote()
    {
        var folder = new DataFolder(Path.Combine(_dir, "typed"));
        await (await folder.InitialiseAsync(new DataFolderSettings(), Ct)).Store.DisposeAsync();
        await using var stores = await folder.OpenStoresAsync(Ct);
        var user = (await stores.Parties.FindUserAsync(DemoEnvironment.Supplier, Ct))!;
        var endpoint = new Uri("https://supplier.example/duis");

        await stores.Parties.SaveUserAsync(user with { ResponseEndpoint = endpoint }, Ct);
        var esme = (await stores.Inventory.FindDeviceAsync(DemoEnvironment.Esme, Ct))!;
        var registered = await stores.Registrations.RegisteredPartyAsync(esme.Mpxn!.Value, Core.Registration.RegisteredRole.Supplier, DateTimeOffset.UtcNow, Ct);

        Assert.Equal(endpoint, (await stores.Smi.FindUserAsync(DemoEnvironment.Supplier, Ct))!.ResponseEndpoint);
        Assert.Equal(registered, await stores.Smi.RegisteredPartyAsync(esme.Mpxn.Value, Core.Registration.RegisteredRole.Supplier, DateTimeOffset.UtcNow, Ct));
        Assert.NotNull(registered);
    }

    [Fact]
    public async Task A_folder_that_is_not_a_data_folder_is_refused_naming_init_and_nothing_is_created()
    {
        var mistyped = new DataFolder(Path.Combine(_dir, "mistyped"));
        var e = await Assert.ThrowsAsync<DataFolderException>(() => mistyped.OpenStoreAsync(Ct));
        Assert.Equal(DataFolderProblem.NotADataFolder, e.Problem);
        Assert.Contains("openduis init", e.Message);
        Assert.Contains(mistyped.Path, e.Message);
        Assert.False(Directory.Exists(mistyped.Path));
    }

    [Fact]
    public async Task A_data_path_that_is_a_file_is_refused_even_by_init()
    {
        var file = Path.Combine(_dir, "a-file");
        await File.WriteAllTextAsync(file, "not a folder", Ct);
        var e = await Assert.ThrowsAsync<DataFolderException>(() => new DataFolder(file).InitialiseAsync(new DataFolderSettings(), Ct));
        Assert.Equal(DataFolderProblem.Unusable, e.Problem);
        Assert.Contains("is a file", e.Message);
    }

    [Fact]
    public async Task A_corrupt_database_is_one_sentence_with_its_path()
    {
        var folder = new DataFolder(Path.Combine(_dir, "corrupt"));
        await (await folder.InitialiseAsync(new DataFolderSettings(), Ct)).Store.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var f in Directory.EnumerateFiles(folder.Path, "openduis.db*")) File.Delete(f);
        await File.WriteAllBytesAsync(folder.SqlitePath, System.Text.Encoding.ASCII.GetBytes(new string('x', 8192)), Ct);
        var e = await Assert.ThrowsAsync<DataFolderException>(() => folder.OpenStoreAsync(Ct));
        Assert.Equal(DataFolderProblem.DatabaseUnusable, e.Problem);
        Assert.Contains(folder.SqlitePath, e.Message);
        Assert.Contains("not an SQLite database", e.Message);
    }

    [Fact]
    public async Task A_fresh_folder_is_initialised_on_first_use_with_the_demo_and_its_own_keys()
    {
        var folder = new DataFolder(Path.Combine(_dir, "fresh"));
        Assert.False(folder.IsInitialised);

        await using (var store = await folder.OpenOrInitialiseStoreAsync(Ct))
        {
            Assert.NotNull(await store.FindDeviceAsync(DemoEnvironment.Esme, Ct));
            var supplier = await store.FindUserAsync(DemoEnvironment.Supplier, Ct);
            // xmlSign (0x87), and the supplier role (0x02) for digital signature and key agreement.
            Assert.Equal([(2, SmkiKeyUsage.DigitalSignature), (2, SmkiKeyUsage.KeyAgreement), (0x87, SmkiKeyUsage.DigitalSignature)],
                supplier!.Certificates.Select(c => (c.RoleCode, c.KeyUsage)).Order());
        }
        Assert.True(folder.IsInitialised);
        Assert.NotEmpty(Directory.EnumerateFiles(folder.DefaultKeysPath, "xml-sign-90B3D51F30010000-ds.pem"));

        // Opening again neither regenerates the keys nor duplicates the demo.
        var keysBefore = File.ReadAllText(Path.Combine(folder.DefaultKeysPath, "xml-sign-90B3D51F30010000-ds.pem"));
        await using (var again = await folder.OpenStoreAsync(Ct))
            Assert.Equal(DemoEnvironment.Devices.Count, await CountAsync(again.ReadDevicesAsync(Ct)));
        Assert.Equal(keysBefore, File.ReadAllText(Path.Combine(folder.DefaultKeysPath, "xml-sign-90B3D51F30010000-ds.pem")));
    }

    [Fact]
    public async Task With_ZAZ1_keys_each_demo_user_gets_the_ZAZ1_certificate_references()
    {
        var folder = new DataFolder(Path.Combine(_dir, "zaz1"));
        var (store, references) = await folder.InitialiseAsync(new DataFolderSettings { Keys = RepoPaths.Keystore }, Ct);
        await using (store)
        {
            Assert.True(references > 0);
            var supplier = await store.FindUserAsync(DemoEnvironment.Supplier, Ct);
            Assert.Contains(supplier!.Certificates, c => c.RoleCode == 0x87);
            Assert.Equal(RepoPaths.Keystore, folder.ReadSettings().Keys);
            // Beside ZAZ1: demo keys only for the Users ZAZ1 has none for (the conformance runner's one-role
            // Users), never a second DSP key; the ZAZ1 Users keep theirs.
            var keys = folder.LoadKeys();
            Assert.Equal(Protocol.Keys.KeyStore.Load(RepoPaths.Keystore).FindXmlSigningKey(DemoEnvironment.Supplier)!.Certificate.SerialNumber,
                keys.FindXmlSigningKey(DemoEnvironment.Supplier)!.Certificate.SerialNumber);
            Assert.All(DemoEnvironment.RoleUsers.Values, u => Assert.NotNull(keys.FindXmlSigningKey(u)));
            Assert.Empty(Directory.EnumerateFiles(folder.DefaultKeysPath, "dsp-*"));
        }
    }

    [Fact]
    public async Task Init_gives_every_demo_Device_its_own_Device_keys_in_an_owner_only_folder()
    {
        var folder = new DataFolder(Path.Combine(_dir, "device-keys"));
        var (store, _) = await folder.InitialiseAsync(new DataFolderSettings(), Ct);
        await using (store) await AssertEveryDeviceHasKeysAsync(folder, store);

        // Again: the same keys, nothing issued anew.
        var before = File.ReadAllText(Path.Combine(folder.DeviceKeysPath, "00db1234567890a0.pem"));
        var (again, _) = await folder.InitialiseAsync(folder.ReadSettings(), Ct);
        await using (again)
                    using (var keys = await folder.OpenDeviceKeysAsync(cancellationToken: Ct))
            Assert.Equal(0, await DataFolder.EnsureDeviceKeysAsync(again, keys, Ct));
        Assert.Equal(before, File.ReadAllText(Path.Combine(folder.DeviceKeysPath, "00db1234567890a0.pem")));
    }

    [Fact]
    public async Task A_PostgreSQL_data_folder_gives_every_demo_Device_its_Device_keys_too()
    {
        var schema = "t_" + Guid.NewGuid().ToString("N");
        var (admin, scoped) = await PostgresTestSchema.CreateAsync(schema);
        try
        {
            var folder = new DataFolder(Path.Combine(_dir, "pg"));
            var (store, _) = await folder.InitialiseAsync(new DataFolderSettings { Store = "postgres", PostgresConnectionString = scoped }, Ct);
            await using (store) await AssertEveryDeviceHasKeysAsync(folder, store);
            // Kept in the database, shared by every node: nothing written beside the settings.
            Assert.False(Directory.Exists(folder.DeviceKeysPath));
        }
        finally
        {
            await PostgresTestSchema.DropAsync(admin, schema);
        }
    }

    private static async Task AssertEveryDeviceHasKeysAsync(DataFolder folder, Core.Inventory.ISmiStore store)
    {
        using var keys = await folder.OpenDeviceKeysAsync(cancellationToken: Ct);
        var devices = 0;
        await foreach (var device in store.ReadDevicesAsync(Ct))
        {
            devices++;
            var credentials = keys.Find(device.Id);
            Assert.True(credentials is { DigitalSigningKey: not null, KeyAgreementKey: not null }, $"no Device keys for {device.Id}");
            Assert.True(Protocol.Keys.SmkiDeviceCertificate.TryReadDeviceId(credentials.DigitalSigningCertificate, out var named) && named == device.Id);
        }
        Assert.Equal(DemoEnvironment.Devices.Count, devices);
        if (!OperatingSystem.IsWindows() && Directory.Exists(folder.DeviceKeysPath))
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder.DeviceKeysPath));
            foreach (var file in Directory.EnumerateFiles(folder.DeviceKeysPath))
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
    }

    private static async Task<int> CountAsync<T>(IAsyncEnumerable<T> items)
    {
        var n = 0;
        await foreach (var _ in items) n++;
        return n;
    }
}

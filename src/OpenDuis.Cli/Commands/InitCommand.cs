using System.CommandLine;
using OpenDuis.Core.Demo;
using OpenDuis.Storage;

namespace OpenDuis.Cli.Commands;

/// <summary><c>openduis init</c>: create or refresh a data folder with the demo environment.</summary>
internal static class InitCommand
{
    public static Option<string?> DataOption() => new("--data")
    {
        Description = $"The data folder (default: ${DataFolder.EnvironmentVariable}, else a per-user folder such as ~/.local/share/openduis).",
    };

    public static Command Create()
    {
        var data = DataOption();
        var zaz1 = new Option<string?>("--zaz1")
        {
            Description = "Use the ZAZ1 test keys in this folder instead of generating the data folder's own demo keys.",
        };
        var postgres = new Option<string?>("--postgres")
        {
            Description = "Keep the state in PostgreSQL (an Npgsql connection string) instead of the embedded SQLite file.",
        };
        var init = new Command("init", "Create (or bring up to date) a data folder: database schema, demo Parties, Users, Devices and Registration Data.")
        {
            data, zaz1, postgres,
        };
        init.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var folder = DataFolder.Resolve(parse.GetValue(data));
            var keys = parse.GetValue(zaz1);
            if (keys is not null && (!Directory.Exists(keys) || KeyFolder.CertificateReferences(keys).Count == 0))
            {
                error.WriteLine($"--zaz1 {keys}: no SMKI Organisation Certificates there (expected PEM files or zaz1-keystore.json).");
                return 2;
            }
            var settings = new DataFolderSettings
            {
                Store = parse.GetValue(postgres) is null ? "sqlite" : "postgres",
                PostgresConnectionString = parse.GetValue(postgres),
                Keys = keys is null ? null : Path.GetFullPath(keys),
            };
            if (folder.DescribeTightened(folder.TightenModes()) is { } tightened) error.WriteLine(tightened);
            var (store, certificates) = await folder.InitialiseAsync(settings, cancellationToken);
            await using (store)
            {
                output.WriteLine($"Data folder {folder.Path}");
                output.WriteLine($"  store: {store.Description}");
                output.WriteLine($"  keys:  {folder.ReadSettings().Keys} ({certificates} SMKI certificate references recorded)");
                output.WriteLine(folder.ReadSettings().Store == "postgres"
                    ? "  device keys: in the database, shared by every node (each Device's DS and KA keys and Device Certificates, demo Device CA; restrict its access)"
                    : $"  device keys: {folder.DeviceKeysPath} (each Device's DS and KA keys and Device Certificates, demo Device CA; owner-only)");
                output.WriteLine($"  demo:  {DemoEnvironment.Parties.Count} parties, {DemoEnvironment.Users.Count} users, {DemoEnvironment.Devices.Count} devices, {DemoEnvironment.Registrations.Count} registrations");
            }
            return 0;
        });
        return init;
    }
}

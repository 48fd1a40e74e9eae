using System.Globalization;
using System.Numerics;
using Dapper;
using Npgsql;
using OpenDuis.Gbcs.Keys;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Migrations;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Storage.DeviceKeys;

/// <summary>
/// The emulated Devices' keys kept in PostgreSQL (migration 0031), so every node sharing the database gives a Device
/// the same keys and Device Certificates, whichever node issued them, and its Alert counters never go back when it
/// moves between nodes. Each write is one statement: the Device CA and a Device's bundle are inserted
/// <c>ON CONFLICT DO NOTHING</c> and read back (the first writer wins), an Alert counter is raised in place. The
/// private keys are in the database: it is the cluster's secret store.
/// </summary>
public sealed class PostgresDeviceKeyVault : IDeviceKeyVault, IDeviceAlertCounters, IDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly TimeProvider _clock;

    private PostgresDeviceKeyVault(NpgsqlDataSource dataSource, bool ownsDataSource, TimeProvider clock)
    {
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        _clock = clock;
    }

    /// <summary>Uses <paramref name="dataSource"/> (disposed with the vault when <paramref name="ownsDataSource"/>), bringing the schema up to date.</summary>
    public static async Task<PostgresDeviceKeyVault> OpenAsync(NpgsqlDataSource dataSource, bool ownsDataSource, TimeProvider? clock = null, CancellationToken cancellationToken = default)
    {
        await using (var c = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
            await Migrator.ApplyAsync(c, "postgres", PostgresSchemaLock.Sql, cancellationToken).ConfigureAwait(false);
        return new PostgresDeviceKeyVault(dataSource, ownsDataSource, clock ?? TimeProvider.System);
    }

    public IDeviceAlertCounters AlertCounters => this;

    public string Where(Eui? device) => device is { } d ? $"PostgreSQL device_keys ({d})" : "PostgreSQL device_key_ca";

    public string KeepCa(Func<string> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        using var c = _dataSource.OpenConnection();
        const string Held = "SELECT pem FROM device_key_ca WHERE id = 1";
        if (c.QuerySingleOrDefault<string>(Held) is { } held) return held;
        c.Execute("INSERT INTO device_key_ca (id, pem, created_us) VALUES (1, @Pem, @Now) ON CONFLICT (id) DO NOTHING",
            new { Pem = create(), Now = Db.Micros(_clock.GetUtcNow()) });
        return c.QuerySingle<string>(Held);
    }

    public string? FindBundle(Eui device)
    {
        using var c = _dataSource.OpenConnection();
        return c.QuerySingleOrDefault<string>("SELECT bundle FROM device_keys WHERE device_id = @Id", new { Id = device.ToString() });
    }

    public bool AddBundle(DeviceKeyBundle bundle)
    {
        ArgumentNullException.ThrowIfNull(bundle);
        using var c = _dataSource.OpenConnection();
        return c.Execute(
            "INSERT INTO device_keys (device_id, bundle, ds_serial, ka_serial, issued_us) VALUES (@Id, @Pem, @Ds, @Ka, @Now) ON CONFLICT DO NOTHING",
            new
            {
                Id = bundle.Device.ToString(),
                bundle.Pem,
                Ds = Text(bundle.DigitalSigningSerial),
                Ka = Text(bundle.KeyAgreementSerial),
                Now = Db.Micros(_clock.GetUtcNow()),
            }) == 1;
    }

    public IEnumerable<Eui> DevicesHolding(BigInteger serial)
    {
        using var c = _dataSource.OpenConnection();
        return [.. c.Query<string>("SELECT device_id FROM device_keys WHERE ds_serial = @Serial OR ka_serial = @Serial", new { Serial = Text(serial) })
            .Select(Eui.Parse)];
    }

    public IReadOnlySet<Eui> Devices()
    {
        using var c = _dataSource.OpenConnection();
        return c.Query<string>("SELECT device_id FROM device_keys").Select(Eui.Parse).ToHashSet();
    }

    /// <summary>GBCS: one more than the Device's last Alert counter, whichever node sent it; one statement, so two nodes never take the same.</summary>
    public ulong Next(Eui device)
    {
        using var c = _dataSource.OpenConnection();
        return (ulong)c.QuerySingle<decimal>(
            "INSERT INTO device_alert_counters (device_id, last_counter) VALUES (@Id, 1) " +
            "ON CONFLICT (device_id) DO UPDATE SET last_counter = device_alert_counters.last_counter + 1 RETURNING last_counter",
            new { Id = device.ToString() });
    }

    public void RaiseAlertCounter(Eui device, ulong last)
    {
        using var c = _dataSource.OpenConnection();
        c.Execute(
            "INSERT INTO device_alert_counters (device_id, last_counter) VALUES (@Id, @Last) " +
            "ON CONFLICT (device_id) DO UPDATE SET last_counter = GREATEST(device_alert_counters.last_counter, excluded.last_counter)",
            new { Id = device.ToString(), Last = (decimal)last });
    }

    private static string Text(BigInteger serial) => serial.ToString(CultureInfo.InvariantCulture);

    public void Dispose()
    {
        if (_ownsDataSource) _dataSource.Dispose();
    }
}

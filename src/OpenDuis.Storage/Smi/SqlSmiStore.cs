using System.Data.Common;
using System.Runtime.CompilerServices;
using Dapper;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Parties;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Storage.Smi;

/// <summary>
/// The SMI store over SQL shared by SQLite and PostgreSQL: both accept the same statements (including
/// <c>INSERT … ON CONFLICT … DO UPDATE</c>); the engines differ only in connections, row locking and
/// the bulk-load path.
/// </summary>
public abstract partial class SqlSmiStore(SqlConnectionSource connections) : ISmiStore
{
    /// <summary>The database's connections, which the data folder's other stores (<see cref="DataStores"/>) share.</summary>
    public SqlConnectionSource Connections => connections;

    public string Description => connections.Description;

    /// <summary>Every committed change to Devices, Users, Registration Data and the CPL, whoever wrote it (migration 0018).</summary>
    public abstract ISmiChangeFeed Changes { get; }

    private ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) => connections.OpenAsync(cancellationToken);

    /// <summary>
    /// The connection for one call: the open unit of work's on this database (Devices, Device Logs, the CPL,
    /// Parties, Users and Registration Data enlist; bulk imports and streams keep their own connections),
    /// else one of the store's own.
    /// </summary>
    private ValueTask<Transactions.StoreConnection> ConnectAsync(CancellationToken cancellationToken) => connections.ConnectAsync(cancellationToken);

    /// <summary>Appended to a SELECT that reads a row about to be changed (PostgreSQL: FOR UPDATE).</summary>
    private string LockRow => connections.LockRow;

    /// <summary>Inserts new Devices inside <paramref name="tx"/>; returns how many.</summary>
    protected abstract Task<long> BulkInsertDevicesAsync(DbConnection connection, DbTransaction tx, IAsyncEnumerable<Device> devices, CancellationToken cancellationToken);

    public ValueTask DisposeAsync() => connections.DisposeAsync();

    // ---- Devices --------------------------------------------------------------------------------

    internal const string DeviceColumns =
        "id, device_type, generation, smi_status, manufacturer, model, firmware_version, csp_region, han_variant, " +
        "comms_hub, mpxn, uprn, meter_asset_provider, smets1_service_provider, notified_critical_supplier, notified_critical_network_operator";

    private const string DeviceSelect =
        "SELECT id AS Id, device_type AS DeviceType, generation AS Generation, smi_status AS SmiStatus, manufacturer AS Manufacturer, " +
        "model AS Model, firmware_version AS FirmwareVersion, csp_region AS CspRegion, han_variant AS HanVariant, comms_hub AS CommsHub, " +
        "mpxn AS Mpxn, uprn AS Uprn, meter_asset_provider AS MeterAssetProvider, smets1_service_provider AS Smets1ServiceProvider, " +
        "notified_critical_supplier AS NotifiedCriticalSupplier, notified_critical_network_operator AS NotifiedCriticalNetworkOperator FROM devices";

    public async Task<Device?> FindDeviceAsync(Eui id, CancellationToken cancellationToken = default)
    {
        await using var s = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        var row = await c.QuerySingleOrDefaultAsync<DeviceRow>(new CommandDefinition(
            DeviceSelect + " WHERE id = @Id", new { Id = Db.Key(id) }, s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToDevice();
    }

    public async Task SaveDeviceAsync(Device device, CancellationToken cancellationToken = default)
    {
        await using var s = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        await c.ExecuteAsync(new CommandDefinition(
            $"INSERT INTO devices ({DeviceColumns}) VALUES (@Id, @DeviceType, @Generation, @SmiStatus, @Manufacturer, @Model, @FirmwareVersion, " +
            "@CspRegion, @HanVariant, @CommsHub, @Mpxn, @Uprn, @MeterAssetProvider, @Smets1ServiceProvider, @NotifiedCriticalSupplier, @NotifiedCriticalNetworkOperator) " +
            "ON CONFLICT (id) DO UPDATE SET device_type = excluded.device_type, generation = excluded.generation, smi_status = excluded.smi_status, " +
            "manufacturer = excluded.manufacturer, model = excluded.model, firmware_version = excluded.firmware_version, csp_region = excluded.csp_region, " +
            "han_variant = excluded.han_variant, comms_hub = excluded.comms_hub, mpxn = excluded.mpxn, uprn = excluded.uprn, " +
            "meter_asset_provider = excluded.meter_asset_provider, smets1_service_provider = excluded.smets1_service_provider, " +
            "notified_critical_supplier = excluded.notified_critical_supplier, notified_critical_network_operator = excluded.notified_critical_network_operator",
            DeviceRow.From(device), s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<Device> ChangeStatusAsync(Eui id, SmiStatus to, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var s = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        await using var work = await s.BeginAsync(cancellationToken).ConfigureAwait(false);
        var tx = work.Transaction;
        var row = await c.QuerySingleOrDefaultAsync<DeviceRow>(new CommandDefinition(
            DeviceSelect + " WHERE id = @Id" + LockRow, new { Id = Db.Key(id) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)
            ?? throw new KeyNotFoundException($"Device {id} is not in the Smart Metering Inventory.");
        var changed = row.ToDevice().WithStatus(to);
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE devices SET smi_status = @To WHERE id = @Id; " +
            "INSERT INTO device_status_history (device_id, from_status, to_status, changed_us) VALUES (@Id, @From, @To, @At)",
            new { Id = Db.Key(id), From = row.SmiStatus, To = to.ToString(), At = Db.Micros(at) }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
        return changed;
    }

    public async Task<bool> DeleteDeviceAsync(Eui id, CancellationToken cancellationToken = default)
    {
        await using var s = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        await using var work = await s.BeginAsync(cancellationToken).ConfigureAwait(false);
        var tx = work.Transaction;
        var key = new { Id = Db.Key(id) };
        await c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM device_log WHERE hub_id = @Id OR device_id = @Id",
            key, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        var rows = await c.ExecuteAsync(new CommandDefinition("DELETE FROM devices WHERE id = @Id", key, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
        return rows > 0;
    }

    public async Task<long> ImportDevicesAsync(IAsyncEnumerable<Device> devices, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var count = await BulkInsertDevicesAsync(c, tx, devices, cancellationToken).ConfigureAwait(false);
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return count;
    }

    /// <summary>
    /// Streams every Device, read straight from the data reader (this loads the look-up cache: millions
    /// of rows). Manufacturer, model and firmware repeat across Devices, so each distinct value is one
    /// shared string.
    /// </summary>
    public async IAsyncEnumerable<Device> ReadDevicesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = c.CreateCommand();
        command.CommandText = $"SELECT {DeviceColumns} FROM devices ORDER BY id";
        await using var r = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var shared = new Dictionary<string, string>(StringComparer.Ordinal);
        string? Shared(int i)
        {
            if (r.IsDBNull(i)) return null;
            var s = r.GetString(i);
            return shared.TryGetValue(s, out var one) ? one : shared[s] = s;
        }
        long? Int64(int i) => r.IsDBNull(i) ? null : r.GetInt64(i);
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return new Device
            {
                Id = Db.Eui(r.GetInt64(0)),
                Type = Db.ParseEnum<DeviceType>(r.GetString(1), "device_type"),
                Generation = Db.ParseEnum<DeviceGeneration>(r.GetString(2), "generation"),
                Status = Db.ParseEnum<SmiStatus>(r.GetString(3), "smi_status"),
                Manufacturer = Shared(4),
                Model = Shared(5),
                FirmwareVersion = Shared(6),
                Region = r.IsDBNull(7) ? null : Db.ParseEnum<CspRegion>(r.GetString(7), "csp_region"),
                HanVariant = r.IsDBNull(8) ? null : Db.ParseEnum<HanVariant>(r.GetString(8), "han_variant"),
                CommsHub = Db.Eui(Int64(9)),
                Mpxn = r.IsDBNull(10) ? null : Mpxn.Parse(r.GetString(10)),
                Uprn = Int64(11) is { } u ? new Uprn(u) : null,
                MeterAssetProvider = Db.Eui(Int64(12)),
                Smets1ServiceProvider = Db.Eui(Int64(13)),
                Smets1NotifiedCriticalSupplier = r.IsDBNull(14) ? null : PartyId.Parse(r.GetString(14)),
                Smets1NotifiedCriticalNetworkOperator = r.IsDBNull(15) ? null : PartyId.Parse(r.GetString(15)),
            };
        }
    }

    public async Task AddToDeviceLogAsync(DeviceLogEntry entry, CancellationToken cancellationToken = default)
    {
        await using var s = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO device_log (hub_id, device_id, added_us) VALUES (@Hub, @Device, @At) ON CONFLICT (hub_id, device_id) DO NOTHING",
            new { Hub = Db.Key(entry.Hub), Device = Db.Key(entry.Device), At = Db.Micros(entry.Added) }, s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task RemoveFromDeviceLogAsync(Eui hub, Eui device, CancellationToken cancellationToken = default)
    {
        await using var s = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        await c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM device_log WHERE hub_id = @Hub AND device_id = @Device",
            new { Hub = Db.Key(hub), Device = Db.Key(device) }, s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<DeviceLogEntry>> DeviceLogAsync(Eui hub, CancellationToken cancellationToken = default)
    {
        await using var s = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        var rows = await c.QueryAsync<(long Hub, long Device, long Added)>(new CommandDefinition(
            "SELECT hub_id, device_id, added_us FROM device_log WHERE hub_id = @Hub ORDER BY device_id",
            new { Hub = Db.Key(hub) }, s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => new DeviceLogEntry(Db.Eui(r.Hub), Db.Eui(r.Device), Db.Time(r.Added)))];
    }

    // ---- Central Products List -------------------------------------------------------------------

    private const string CplSelect =
        "SELECT manufacturer AS Manufacturer, model AS Model, firmware_version AS FirmwareVersion, device_type AS DeviceType, " +
        "gbcs_version AS GbcsVersion, smets_chts_version AS SmetsChtsVersion, status AS Status FROM cpl";

    public async Task SaveProductAsync(CplEntry product, CancellationToken cancellationToken = default)
    {
        await using var s = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO cpl (manufacturer, model, firmware_version, device_type, gbcs_version, smets_chts_version, status) " +
            "VALUES (@Manufacturer, @Model, @FirmwareVersion, @DeviceType, @GbcsVersion, @SmetsChtsVersion, @Status) " +
            "ON CONFLICT (manufacturer, model, firmware_version) DO UPDATE SET device_type = excluded.device_type, " +
            "gbcs_version = excluded.gbcs_version, smets_chts_version = excluded.smets_chts_version, status = excluded.status",
            CplRow.From(product), s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<CplEntry?> FindProductAsync(string manufacturer, string model, string firmwareVersion, CancellationToken cancellationToken = default)
    {
        await using var s = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        var row = await c.QuerySingleOrDefaultAsync<CplRow>(new CommandDefinition(
            CplSelect + " WHERE manufacturer = @manufacturer AND model = @model AND firmware_version = @firmwareVersion",
            new { manufacturer, model, firmwareVersion }, s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToEntry();
    }

    public async Task<IReadOnlyList<CplEntry>> ProductsAsync(CancellationToken cancellationToken = default)
    {
        await using var s = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        var rows = await c.QueryAsync<CplRow>(new CommandDefinition(
            CplSelect + " ORDER BY manufacturer, model, firmware_version", transaction: s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToEntry())];
    }

    // ---- Parties and Users -----------------------------------------------------------------------

    public async Task SavePartyAsync(Party party, CancellationToken cancellationToken = default)
    {
        await using var s = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        await SavePartyAsync(c, s.Transaction, party, cancellationToken).ConfigureAwait(false);
    }

    private static Task SavePartyAsync(DbConnection c, DbTransaction? tx, Party party, CancellationToken cancellationToken) =>
        c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO parties (id, name, is_dcc) VALUES (@Id, @Name, @IsDcc) ON CONFLICT (id) DO UPDATE SET name = excluded.name, is_dcc = excluded.is_dcc",
            new { Id = party.Id.Value, party.Name, party.IsDcc }, tx, cancellationToken: cancellationToken));

    public async Task<Party?> FindPartyAsync(PartyId id, CancellationToken cancellationToken = default)
    {
        await using var s = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        var row = await c.QuerySingleOrDefaultAsync<PartyRow>(new CommandDefinition(
            "SELECT id AS Id, name AS Name, is_dcc AS IsDcc FROM parties WHERE id = @Id", new { Id = id.Value }, s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToParty();
    }

    public async Task<IReadOnlyList<Party>> PartiesAsync(CancellationToken cancellationToken = default)
    {
        await using var s = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        var rows = await c.QueryAsync<PartyRow>(new CommandDefinition(
            "SELECT id AS Id, name AS Name, is_dcc AS IsDcc FROM parties ORDER BY id", transaction: s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToParty())];
    }

    public async Task SaveUserAsync(ServiceUser user, CancellationToken cancellationToken = default)
    {
        await using var s = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        await using var work = await s.BeginAsync(cancellationToken).ConfigureAwait(false);
        var tx = work.Transaction;
        await SaveUserAsync(c, tx, user, cancellationToken).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task SaveUserAsync(DbConnection c, DbTransaction tx, ServiceUser user, CancellationToken cancellationToken)
    {
        var id = Db.Key(user.Id);
        var partyExists = await c.ExecuteScalarAsync<int>(new CommandDefinition(
            "SELECT COUNT(*) FROM parties WHERE id = @Party", new { Party = user.Party.Value }, tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (partyExists == 0)
            throw new KeyNotFoundException($"User {user.Id} names Party '{user.Party}', which is not registered.");
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO users (id, party_id, status, response_endpoint, duis_version) VALUES (@Id, @Party, @Status, @Endpoint, @DuisVersion) " +
            "ON CONFLICT (id) DO UPDATE SET party_id = excluded.party_id, status = excluded.status, response_endpoint = excluded.response_endpoint, " +
            "duis_version = excluded.duis_version; " +
            "DELETE FROM user_roles WHERE user_id = @Id; DELETE FROM user_certificates WHERE user_id = @Id",
            new { Id = id, Party = user.Party.Value, Status = user.Status.ToString(), Endpoint = user.ResponseEndpoint?.ToString(), user.DuisVersion },
            tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (user.Roles.Count > 0)
            await c.ExecuteAsync(new CommandDefinition(
                "INSERT INTO user_roles (user_id, role) VALUES (@Id, @Role)",
                user.Roles.Select(r => new { Id = id, Role = r.Code() }), tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (user.Certificates.Count > 0)
            await c.ExecuteAsync(new CommandDefinition(
                "INSERT INTO user_certificates (user_id, serial_number, role_code, key_usage, name) VALUES (@Id, @SerialNumber, @RoleCode, @KeyUsage, @Name)",
                user.Certificates.Select(x => new { Id = id, x.SerialNumber, x.RoleCode, KeyUsage = x.KeyUsage.ToString(), x.Name }),
                tx, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<ServiceUser?> FindUserAsync(Eui id, CancellationToken cancellationToken = default)
    {
        await using var s = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        var users = await ReadUsersAsync(c, s.Transaction, " WHERE u.id = @Id", new { Id = Db.Key(id) }, cancellationToken).ConfigureAwait(false);
        return users.SingleOrDefault();
    }

    public async IAsyncEnumerable<ServiceUser> ReadUsersAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        // Users number in the hundreds, not millions: read them whole.
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        foreach (var u in await ReadUsersAsync(c, null, "", null, cancellationToken).ConfigureAwait(false))
            yield return u;
    }

    private static async Task<IReadOnlyList<ServiceUser>> ReadUsersAsync(DbConnection c, DbTransaction? tx, string where, object? args, CancellationToken cancellationToken)
    {
        var users = (await c.QueryAsync<UserRow>(new CommandDefinition(
            "SELECT u.id AS Id, u.party_id AS Party, u.status AS Status, u.response_endpoint AS ResponseEndpoint, u.duis_version AS DuisVersion FROM users u" + where + " ORDER BY u.id",
            args, tx, cancellationToken: cancellationToken)).ConfigureAwait(false)).ToList();
        var roles = (await c.QueryAsync<(long UserId, string Role)>(new CommandDefinition(
            "SELECT r.user_id, r.role FROM user_roles r JOIN users u ON u.id = r.user_id" + where, args, tx, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .ToLookup(r => r.UserId, r => UserRoles.ParseCode(r.Role));
        var certs = (await c.QueryAsync<CertificateRow>(new CommandDefinition(
            "SELECT x.user_id AS UserId, x.serial_number AS SerialNumber, x.role_code AS RoleCode, x.key_usage AS KeyUsage, x.name AS Name " +
            "FROM user_certificates x JOIN users u ON u.id = x.user_id" + where + " ORDER BY x.serial_number", args, tx, cancellationToken: cancellationToken)).ConfigureAwait(false))
            .ToLookup(r => r.UserId, r => r.ToRef());
        return [.. users.Select(u => u.ToUser(roles[u.Id], certs[u.Id]))];
    }

    public async Task<long> ImportUsersAsync(IAsyncEnumerable<(Party Party, ServiceUser User)> rows, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        long count = 0;
        await foreach (var (party, user) in rows.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            await SavePartyAsync(c, tx, party, cancellationToken).ConfigureAwait(false);
            await SaveUserAsync(c, tx, user, cancellationToken).ConfigureAwait(false);
            count++;
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return count;
    }

    // ---- Registration Data -----------------------------------------------------------------------

    public async Task RegisterAsync(RegistrationPeriod period, CancellationToken cancellationToken = default)
    {
        await using var s = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        await using var work = await s.BeginAsync(cancellationToken).ConfigureAwait(false);
        var tx = work.Transaction;
        await RegisterAsync(c, tx, period, cancellationToken).ConfigureAwait(false);
        await work.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The same rule as <see cref="RegistrationHistory.With"/>, in SQL.</summary>
    private const string RegisterSql =
        "DELETE FROM registrations WHERE mpxn = @Mpxn AND role = @Role AND effective_from_us >= @From; " +
        "UPDATE registrations SET effective_to_us = @From WHERE mpxn = @Mpxn AND role = @Role AND effective_from_us < @From " +
        "AND (effective_to_us IS NULL OR effective_to_us > @From); " +
        "INSERT INTO registrations (mpxn, role, party_id, effective_from_us, effective_to_us) VALUES (@Mpxn, @Role, @Party, @From, @To)";

    private static void EnsureOrdered(RegistrationPeriod period)
    {
        if (period.EffectiveTo is { } to && to <= period.EffectiveFrom)
            throw new ArgumentException($"Registration of {period.Mpxn} ends ({to:O}) before it starts ({period.EffectiveFrom:O}).", nameof(period));
    }

    private static DbParameter Parameter(DbCommand command, string name)
    {
        var p = command.CreateParameter();
        p.ParameterName = name;
        p.DbType = name switch
        {
            "From" or "To" => System.Data.DbType.Int64,
            _ => System.Data.DbType.String,
        };
        command.Parameters.Add(p);
        return p;
    }

    private static Task RegisterAsync(DbConnection c, DbTransaction tx, RegistrationPeriod period, CancellationToken cancellationToken)
    {
        EnsureOrdered(period);
        return c.ExecuteAsync(new CommandDefinition(
            RegisterSql,
            new
            {
                Mpxn = period.Mpxn.ToString(),
                Role = period.Role.ToString(),
                Party = period.Party.Value,
                From = Db.Micros(period.EffectiveFrom),
                To = period.EffectiveTo is { } t ? Db.Micros(t) : (long?)null,
            }, tx, cancellationToken: cancellationToken));
    }

    private const string RegistrationSelect =
        "SELECT mpxn AS Mpxn, role AS Role, party_id AS Party, effective_from_us AS EffectiveFrom, effective_to_us AS EffectiveTo FROM registrations";

    public async Task<RegistrationHistory> HistoryAsync(Mpxn mpxn, RegisteredRole role, CancellationToken cancellationToken = default)
    {
        await using var s = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        var rows = await c.QueryAsync<RegistrationRow>(new CommandDefinition(
            RegistrationSelect + " WHERE mpxn = @Mpxn AND role = @Role ORDER BY effective_from_us",
            new { Mpxn = mpxn.ToString(), Role = role.ToString() }, s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new RegistrationHistory(rows.Select(r => r.ToPeriod(PartyId.Parse(r.Party))));
    }

    public async Task<PartyId?> RegisteredPartyAsync(Mpxn mpxn, RegisteredRole role, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var s = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var c = s.Connection;
        var party = await c.QuerySingleOrDefaultAsync<string>(new CommandDefinition(
            "SELECT party_id FROM registrations WHERE mpxn = @Mpxn AND role = @Role AND effective_from_us <= @At " +
            "AND (effective_to_us IS NULL OR effective_to_us > @At)",
            new { Mpxn = mpxn.ToString(), Role = role.ToString(), At = Db.Micros(at) }, s.Transaction, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return party is null ? null : PartyId.Parse(party);
    }

    public async IAsyncEnumerable<RegistrationPeriod> ReadRegistrationsAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        // A few Parties are registered for millions of MPxNs: one PartyId (one string) each.
        var parties = new Dictionary<string, PartyId>(StringComparer.Ordinal);
        await foreach (var row in c.QueryUnbufferedAsync<RegistrationRow>(RegistrationSelect + " ORDER BY mpxn, role, effective_from_us")
                           .WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            if (!parties.TryGetValue(row.Party, out var party)) parties[row.Party] = party = PartyId.Parse(row.Party);
            yield return row.ToPeriod(party);
        }
    }

    public async Task<long> ImportRegistrationsAsync(IAsyncEnumerable<RegistrationPeriod> periods, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // One prepared command, parameters rebound per row: millions of rows parse the SQL once.
        await using var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = RegisterSql;
        var mpxn = Parameter(command, "Mpxn");
        var role = Parameter(command, "Role");
        var party = Parameter(command, "Party");
        var from = Parameter(command, "From");
        var to = Parameter(command, "To");
        await command.PrepareAsync(cancellationToken).ConfigureAwait(false);
        long count = 0;
        await foreach (var p in periods.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            EnsureOrdered(p);
            mpxn.Value = p.Mpxn.ToString();
            role.Value = p.Role.ToString();
            party.Value = p.Party.Value;
            from.Value = Db.Micros(p.EffectiveFrom);
            to.Value = p.EffectiveTo is { } t ? Db.Micros(t) : DBNull.Value;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            count++;
        }
        await tx.CommitAsync(cancellationToken).ConfigureAwait(false);
        return count;
    }
}

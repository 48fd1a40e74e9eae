using System.Data.Common;
using System.Runtime.CompilerServices;
using Dapper;
using OpenDuis.Core.MapReports;
using OpenDuis.Core.Parties;
using OpenDuis.Protocol.Domain;
using OpenDuis.Storage.Smi;

namespace OpenDuis.Storage.MapReports;

/// <summary>SEC H17 requesters, request history and the report rows, drawn from the live inventory in the same database.</summary>
internal sealed class SqlH17ReportStore(SqlConnectionSource connections) : IH17ReportStore
{
    private ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken) => connections.OpenAsync(cancellationToken);

    public async Task SaveRequesterAsync(H17Requester requester, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO h17_requesters (requester, capacity, is_party, sesa_signatory, evidence_accepted_us, meter_asset_provider, manufacturer) " +
            "VALUES (@Name, @Capacity, @IsParty, @Sesa, @Evidence, @Map, @Manufacturer) " +
            "ON CONFLICT (requester, capacity) DO UPDATE SET is_party = excluded.is_party, sesa_signatory = excluded.sesa_signatory, " +
            "evidence_accepted_us = excluded.evidence_accepted_us, meter_asset_provider = excluded.meter_asset_provider, manufacturer = excluded.manufacturer",
            new
            {
                requester.Name,
                Capacity = requester.Capacity.ToString(),
                requester.IsParty,
                Sesa = requester.SignedEnablingServicesAgreement,
                Evidence = requester.EvidenceAcceptedAt is { } e ? Db.Micros(e) : (long?)null,
                Map = Db.Key(requester.MeterAssetProviderId),
                Manufacturer = requester.ManufacturerId,
            }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<H17Requester?> FindRequesterAsync(string name, H17Capacity capacity, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await c.QuerySingleOrDefaultAsync<RequesterRow>(new CommandDefinition(
            "SELECT requester AS Name, capacity AS Capacity, is_party AS IsParty, sesa_signatory AS Sesa, evidence_accepted_us AS Evidence, " +
            "meter_asset_provider AS Map, manufacturer AS Manufacturer FROM h17_requesters WHERE requester = @name AND capacity = @Capacity",
            new { name, Capacity = capacity.ToString() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row is null ? null : new H17Requester(row.Name, Db.ParseEnum<H17Capacity>(row.Capacity, "capacity"), row.IsParty, row.Sesa,
            row.Evidence is { } e ? Db.Time(e) : null)
        {
            MeterAssetProviderId = Db.Eui(row.Map),
            ManufacturerId = row.Manufacturer,
        };
    }

    private const string RequestSelect =
        "SELECT id AS Id, requester AS Requester, capacity AS Capacity, frequency AS Frequency, requested_us AS RequestedAt, " +
        "generated_us AS GeneratedAt, meters AS Meters, file AS File FROM h17_requests";

    public async Task<H17ReportRequest> AddRequestAsync(string requester, H17Capacity capacity, ReportFrequency frequency, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var id = await c.ExecuteScalarAsync<long>(new CommandDefinition(
            "INSERT INTO h17_requests (requester, capacity, frequency, requested_us) VALUES (@requester, @Capacity, @Frequency, @At) RETURNING id",
            new { requester, Capacity = capacity.ToString(), Frequency = frequency.ToString(), At = Db.Micros(at) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return new H17ReportRequest(id, requester, capacity, frequency, Db.Time(Db.Micros(at)));
    }

    public async Task<H17ReportRequest?> FindRequestAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await c.QuerySingleOrDefaultAsync<RequestRow>(new CommandDefinition(
            RequestSelect + " WHERE id = @id", new { id }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row?.ToRequest();
    }

    public async Task<IReadOnlyList<H17ReportRequest>> RequestsAsync(string requester, H17Capacity capacity, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var rows = await c.QueryAsync<RequestRow>(new CommandDefinition(
            RequestSelect + " WHERE requester = @requester AND capacity = @Capacity ORDER BY requested_us, id",
            new { requester, Capacity = capacity.ToString() }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return [.. rows.Select(r => r.ToRequest())];
    }

    public async Task AddDownloadKeyAsync(string keyHash, string requester, H17Capacity capacity, DateTimeOffset at, PartyId? supplierHolder = null, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO h17_download_keys (key_hash, requester, capacity, issued_us, holder) VALUES (@keyHash, @requester, @Capacity, @At, @Holder)",
            new { keyHash, requester, Capacity = capacity.ToString(), At = Db.Micros(at), Holder = supplierHolder?.Value }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    public async Task<bool> IsRegisteredSupplierForAsync(H17Requester requester, PartyId supplier, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        var (filter, value) = MeterFilter(requester);
        if (value is null) return false;
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var found = await c.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT 1 FROM devices d JOIN registrations s ON s.mpxn = d.mpxn AND s.role = 'Supplier' AND s.party_id = @Party " +
            "AND s.effective_from_us <= @At AND (s.effective_to_us IS NULL OR s.effective_to_us > @At) " +
            $"WHERE d.device_type IN ('ESME', 'GSME') AND {filter} LIMIT 1",
            new { Who = value, Party = supplier.Value, At = Db.Micros(at) }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return found is not null;
    }

    public async Task<(string Requester, H17Capacity Capacity)?> FindDownloadKeyAsync(string keyHash, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var row = await c.QuerySingleOrDefaultAsync<(string Requester, string Capacity)?>(new CommandDefinition(
            "SELECT requester, capacity FROM h17_download_keys WHERE key_hash = @keyHash", new { keyHash }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return row is { } r ? (r.Requester, Db.ParseEnum<H17Capacity>(r.Capacity, "capacity")) : null;
    }

    public async Task MarkGeneratedAsync(long id, DateTimeOffset at, long meters, string file, CancellationToken cancellationToken = default)
    {
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var changed = await c.ExecuteAsync(new CommandDefinition(
            "UPDATE h17_requests SET generated_us = @At, meters = @meters, file = @file WHERE id = @id",
            new { id, At = Db.Micros(at), meters, file }, cancellationToken: cancellationToken)).ConfigureAwait(false);
        if (changed == 0) throw new KeyNotFoundException($"There is no H17 report request {id}.");
    }

    private static (string Filter, object? Value) MeterFilter(H17Requester requester) => requester.Capacity switch
    {
        H17Capacity.MeterAssetProvider => ("d.meter_asset_provider = @Who", Db.Key(requester.MeterAssetProviderId)),
        _ => ("d.manufacturer = @Who", requester.ManufacturerId),
    };

    public async Task<long> CountReportMetersAsync(H17Requester requester, CancellationToken cancellationToken = default)
    {
        var (filter, value) = MeterFilter(requester);
        if (value is null) return 0;
        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await c.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT COUNT(*) FROM devices d WHERE d.device_type IN ('ESME', 'GSME') AND {filter}",
            new { Who = value }, cancellationToken: cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>
    /// One pass over the Smart Meters in ID order, joined to the hub and the Registered Supplier
    /// periods open at <paramref name="at"/> (several rows for a meter with several suppliers, grouped
    /// here): memory stays at one meter whatever the inventory's size.
    /// </summary>
    public async IAsyncEnumerable<MeterReportRow> ReadReportRowsAsync(H17Requester requester, DateTimeOffset at, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (filter, value) = MeterFilter(requester);
        if (value is null) yield break; // no identity recorded: no meters can be attributed to it

        await using var c = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var r = await c.ExecuteReaderAsync(new CommandDefinition(
            "SELECT d.id, d.device_type, d.model, d.manufacturer, d.firmware_version, d.smi_status, d.csp_region, " +
            "h.manufacturer, h.model, h.firmware_version, s.party_id, s.effective_from_us " +
            "FROM devices d " +
            "LEFT JOIN devices h ON h.id = COALESCE((SELECT MIN(l.hub_id) FROM device_log l JOIN devices chf ON chf.id = l.hub_id " +
            "    WHERE l.device_id = d.id AND chf.device_type = 'CHF'), d.comms_hub) " +
            "LEFT JOIN registrations s ON s.mpxn = d.mpxn AND s.role = 'Supplier' AND s.effective_from_us <= @At " +
            "    AND (s.effective_to_us IS NULL OR s.effective_to_us > @At) " +
            $"WHERE d.device_type IN ('ESME', 'GSME') AND {filter} ORDER BY d.id, s.effective_from_us",
            new { Who = value, At = Db.Micros(at) }, cancellationToken: cancellationToken)).ConfigureAwait(false);

        var shared = new Dictionary<string, string>(StringComparer.Ordinal);
        var parties = new Dictionary<string, PartyId>(StringComparer.Ordinal);
        string Text(DbDataReader reader, int i)
        {
            if (reader.IsDBNull(i)) return "";
            var s = reader.GetString(i);
            return shared.TryGetValue(s, out var one) ? one : shared[s] = s;
        }

        MeterReportRow? pending = null;
        List<RegisteredSupplier> suppliers = [];
        while (await r.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var id = Db.Eui(r.GetInt64(0));
            if (pending is null || pending.SmartMeterId != id)
            {
                if (pending is not null) yield return pending with { RegisteredSuppliers = suppliers };
                suppliers = [];
                pending = new MeterReportRow(
                    id,
                    Db.ParseEnum<DeviceType>(r.GetString(1), "device_type"),
                    Text(r, 2), Text(r, 3), Text(r, 4),
                    Db.ParseEnum<SmiStatus>(r.GetString(5), "smi_status"),
                    r.IsDBNull(6) ? null : Db.ParseEnum<CspRegion>(r.GetString(6), "csp_region"),
                    [],
                    Text(r, 7), Text(r, 8), Text(r, 9));
            }
            if (!r.IsDBNull(10))
            {
                var name = r.GetString(10);
                if (!parties.TryGetValue(name, out var party)) parties[name] = party = PartyId.Parse(name);
                suppliers.Add(new RegisteredSupplier(party, OpenDuis.Core.UkLocalTime.DateOf(Db.Time(r.GetInt64(11)))));
            }
        }
        if (pending is not null) yield return pending with { RegisteredSuppliers = suppliers };
    }

    private sealed class RequesterRow
    {
        public string Name { get; set; } = "";
        public string Capacity { get; set; } = "";
        public bool IsParty { get; set; }
        public bool Sesa { get; set; }
        public long? Evidence { get; set; }
        public long? Map { get; set; }
        public string? Manufacturer { get; set; }
    }

    private sealed class RequestRow
    {
        public long Id { get; set; }
        public string Requester { get; set; } = "";
        public string Capacity { get; set; } = "";
        public string Frequency { get; set; } = "";
        public long RequestedAt { get; set; }
        public long? GeneratedAt { get; set; }
        public long? Meters { get; set; }
        public string? File { get; set; }

        public H17ReportRequest ToRequest() => new(
            Id, Requester, Db.ParseEnum<H17Capacity>(Capacity, "capacity"), Db.ParseEnum<ReportFrequency>(Frequency, "frequency"),
            Db.Time(RequestedAt), GeneratedAt is { } g ? Db.Time(g) : null, Meters, File);
    }
}

using System.Globalization;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Parties;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Storage.Csv;

/// <summary>What an import or export file holds.</summary>
public enum CsvKind
{
    Devices,
    Parties,
    Registrations,
}

/// <summary>
/// The CSV layouts of devices, parties (one row per User) and registrations, and the per-row
/// validation: each bad value is named with its column, so an operator can fix the file.
/// </summary>
public static class SmiCsv
{
    public const string DeviceHeader =
        "device_id,device_type,generation,smi_status,manufacturer,model,firmware_version,csp_region,han_variant,comms_hub_id,mpxn,uprn,meter_asset_provider,smets1_service_provider," +
        "notified_critical_supplier,notified_critical_network_operator";
    public const string PartyHeader = "user_id,party_id,party_name,is_dcc,roles,user_status,response_endpoint,duis_version";
    public const string RegistrationHeader = "mpxn,role,party_id,effective_from,effective_to";

    public static string Header(CsvKind kind) => kind switch
    {
        CsvKind.Devices => DeviceHeader,
        CsvKind.Parties => PartyHeader,
        CsvKind.Registrations => RegistrationHeader,
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    // ---- Devices ----

    public static bool TryParseDevice(string[] f, out Device device, out string error)
    {
        device = null!;
        if (!Columns(f, 16, out error)) return false;
        if (!Eui.TryParse(f[0], out var id)) return Fail(out error, $"device_id '{f[0]}' is not an EUI-64");
        if (!Enum.TryParse<DeviceType>(f[1], ignoreCase: true, out var type) || !Enum.IsDefined(type))
            return Fail(out error, $"device_type '{f[1]}' is not one of {string.Join(", ", Enum.GetNames<DeviceType>())}");
        if (!TryGeneration(f[2], out var generation)) return Fail(out error, $"generation '{f[2]}' is not SMETS1 or SMETS2+");
        if (!Enum.TryParse<SmiStatus>(f[3], ignoreCase: true, out var status) || !Enum.IsDefined(status))
            return Fail(out error, $"smi_status '{f[3]}' is not one of {string.Join(", ", Enum.GetNames<SmiStatus>())}");
        CspRegion? region = null;
        if (f[7].Length > 0)
        {
            if (!CspRegions.TryParseXsd(f[7], out var r) && !Enum.TryParse(f[7], ignoreCase: true, out r))
                return Fail(out error, $"csp_region '{f[7]}' is not a CSP region (North, Central, South, 4G North, 4G Central, 4G South, Unknown, SMETS1)");
            region = r;
        }
        HanVariant? han = null;
        if (f[8].Length > 0)
        {
            if (!HanVariants.TryParseXsd(f[8], out var h)) return Fail(out error, $"han_variant '{f[8]}' is not Single Band or Dual Band");
            han = h;
        }
        if (!OptionalEui(f[9], "comms_hub_id", out var hub, out error)) return false;
        Mpxn? mpxn = null;
        if (f[10].Length > 0)
        {
            if (!Mpxn.TryParse(f[10], null, out var m, out var why)) return Fail(out error, "mpxn " + why);
            mpxn = m;
        }
        Uprn? uprn = null;
        if (f[11].Length > 0)
        {
            if (!Uprn.TryParse(f[11], out var u)) return Fail(out error, $"uprn '{f[11]}' is not 1 to 12 digits");
            uprn = u;
        }
        if (!OptionalEui(f[12], "meter_asset_provider", out var map, out error)) return false;
        if (!OptionalEui(f[13], "smets1_service_provider", out var s1sp, out error)) return false;
        if (generation == DeviceGeneration.Smets1 && s1sp is null)
            return Fail(out error, "a SMETS1 device needs its smets1_service_provider");
        // E64: only a SMETS1 Device has a Notified Critical Supplier / Network Operator.
        PartyId? criticalSupplier = null, criticalOperator = null;
        foreach (var (text, column, i) in new[] { (f[14], "notified_critical_supplier", 0), (f[15], "notified_critical_network_operator", 1) })
        {
            if (text.Length == 0) continue;
            if (generation != DeviceGeneration.Smets1) return Fail(out error, $"{column} is only for a SMETS1 device");
            if (!PartyId.TryParse(text, out var party)) return Fail(out error, $"{column} '{text}' is not a Party ID");
            if (i == 0) criticalSupplier = party; else criticalOperator = party;
        }
        device = new Device
        {
            Id = id, Type = type, Generation = generation, Status = status,
            Manufacturer = Empty(f[4]), Model = Empty(f[5]), FirmwareVersion = Empty(f[6]),
            Region = region, HanVariant = han, CommsHub = hub, Mpxn = mpxn, Uprn = uprn,
            MeterAssetProvider = map, Smets1ServiceProvider = s1sp,
            Smets1NotifiedCriticalSupplier = criticalSupplier, Smets1NotifiedCriticalNetworkOperator = criticalOperator,
        };
        error = "";
        return true;
    }

    public static string Format(Device d) => string.Join(',',
        d.Id.ToString(), d.Type.ToString(), d.Generation == DeviceGeneration.Smets1 ? "SMETS1" : "SMETS2+", d.Status.ToString(),
        CsvLines.Quote(d.Manufacturer), CsvLines.Quote(d.Model), CsvLines.Quote(d.FirmwareVersion),
        d.Region?.ToXsd() ?? "", d.HanVariant?.ToXsd() ?? "", d.CommsHub?.ToString() ?? "", d.Mpxn?.ToString() ?? "",
        d.Uprn?.ToString() ?? "", d.MeterAssetProvider?.ToString() ?? "", d.Smets1ServiceProvider?.ToString() ?? "",
        d.Smets1NotifiedCriticalSupplier?.ToString() ?? "", d.Smets1NotifiedCriticalNetworkOperator?.ToString() ?? "");

    private static bool TryGeneration(string text, out DeviceGeneration generation)
    {
        switch (text.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant())
        {
            case "SMETS1": generation = DeviceGeneration.Smets1; return true;
            case "SMETS2" or "SMETS2+" or "SMETS2PLUS": generation = DeviceGeneration.Smets2Plus; return true;
            default: generation = default; return false;
        }
    }

    // ---- Parties (one row per User) ----

    public static bool TryParseUser(string[] f, out (Party Party, ServiceUser User) row, out string error)
    {
        row = default;
        if (!Columns(f, 8, out error)) return false;
        if (!Eui.TryParse(f[0], out var id)) return Fail(out error, $"user_id '{f[0]}' is not an EUI-64");
        if (!PartyId.TryParse(f[1], out var party)) return Fail(out error, $"party_id '{f[1]}' is not a Party ID (1 to 64 letters, digits, '-', '_' or '.')");
        if (f[2].Length == 0) return Fail(out error, "party_name is empty");
        if (!bool.TryParse(f[3].Length == 0 ? "false" : f[3], out var isDcc)) return Fail(out error, $"is_dcc '{f[3]}' is not true or false");
        var roles = new HashSet<UserRole>();
        foreach (var code in f[4].Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!UserRoles.TryParseCode(code, out var role)) return Fail(out error, $"roles: '{code}' is not a User Role code (IS, ES, GS, ED, GT, RSA, MDR, OU)");
            roles.Add(role);
        }
        if (!Enum.TryParse<UserStatus>(f[5], ignoreCase: true, out var status) || !Enum.IsDefined(status))
            return Fail(out error, $"user_status '{f[5]}' is not one of {string.Join(", ", Enum.GetNames<UserStatus>())}");
        Uri? endpoint = null;
        if (f[6].Length > 0)
        {
            if (!Uri.TryCreate(f[6], UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("https" or "http"))
                return Fail(out error, $"response_endpoint '{f[6]}' is not an absolute http(s) URL");
        }
        var version = f[7].Length == 0 ? "5.4" : f[7];
        if (!Version.TryParse(version, out _)) return Fail(out error, $"duis_version '{f[7]}' is not a version such as 5.4");
        row = (new Party(party, f[2], isDcc), new ServiceUser { Id = id, Party = party, Roles = roles, Status = status, ResponseEndpoint = endpoint, DuisVersion = version });
        error = "";
        return true;
    }

    public static string Format(Party p, ServiceUser u) => string.Join(',',
        u.Id.ToString(), p.Id.Value, CsvLines.Quote(p.Name), p.IsDcc ? "true" : "false",
        string.Join(';', u.Roles.Order().Select(r => r.Code())), u.Status.ToString(), CsvLines.Quote(u.ResponseEndpoint?.ToString()), u.DuisVersion);

    // ---- Registrations ----

    public static bool TryParseRegistration(string[] f, out RegistrationPeriod period, out string error)
    {
        period = null!;
        if (!Columns(f, 5, out error)) return false;
        if (!Mpxn.TryParse(f[0], null, out var mpxn, out var why)) return Fail(out error, "mpxn " + why);
        if (!Enum.TryParse<RegisteredRole>(f[1], ignoreCase: true, out var role) || !Enum.IsDefined(role))
            return Fail(out error, $"role '{f[1]}' is not Supplier or NetworkOperator");
        if (!PartyId.TryParse(f[2], out var party)) return Fail(out error, $"party_id '{f[2]}' is not a Party ID");
        if (!TryTime(f[3], out var from)) return Fail(out error, $"effective_from '{f[3]}' is not an ISO 8601 date-time with an offset (e.g. 2026-04-01T00:00:00Z)");
        DateTimeOffset? to = null;
        if (f[4].Length > 0)
        {
            if (!TryTime(f[4], out var t)) return Fail(out error, $"effective_to '{f[4]}' is not an ISO 8601 date-time with an offset");
            if (t <= from) return Fail(out error, $"effective_to {f[4]} is not after effective_from {f[3]}");
            to = t;
        }
        period = new RegistrationPeriod(mpxn, role, party, from, to);
        error = "";
        return true;
    }

    public static string Format(RegistrationPeriod p) => string.Join(',',
        p.Mpxn.ToString(), p.Role.ToString(), p.Party.Value, p.EffectiveFrom.ToString("O", CultureInfo.InvariantCulture),
        p.EffectiveTo?.ToString("O", CultureInfo.InvariantCulture) ?? "");

    private static bool TryTime(string text, out DateTimeOffset t)
    {
        // An offset is required: Registration Data boundaries are instants, never local times.
        t = default;
        var s = text.Trim();
        var hasOffset = s.EndsWith('Z') || (s.Length > 6 && s[^6] is '+' or '-' && s[^3] == ':');
        return hasOffset && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out t);
    }

    // ---- helpers ----

    private static bool Columns(string[] f, int count, out string error)
    {
        error = f.Length == count ? "" : $"expected {count} columns, found {f.Length}";
        return f.Length == count;
    }

    private static bool OptionalEui(string text, string column, out Eui? eui, out string error)
    {
        eui = null;
        error = "";
        if (text.Length == 0) return true;
        if (!Eui.TryParse(text, out var e)) return Fail(out error, $"{column} '{text}' is not an EUI-64");
        eui = e;
        return true;
    }

    private static string? Empty(string s) => s.Length == 0 ? null : s;

    private static bool Fail(out string error, string message)
    {
        error = message;
        return false;
    }
}

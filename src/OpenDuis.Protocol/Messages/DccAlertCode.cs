using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace OpenDuis.Protocol.Messages;

/// <summary>
/// A DCC Alert Code (XSD sr:DCCAlertMessage/DCCAlertCode): AD1, N1–N65 (no N32) and N999.
/// </summary>
public readonly record struct DccAlertCode
{
    private readonly string? _code;
    private DccAlertCode(string code) => _code = code;

    public string Code => _code ?? "AD1";

    /// <summary>The sr:DCCAlert child element this code's alerts carry (DUIS 3.9.1 Table 2).</summary>
    public string Format => DccAlertCodes.FormatOf(this);

    public static bool TryParse([NotNullWhen(true)] string? text, out DccAlertCode code)
    {
        var known = DccAlertCodes.Lookup(text?.Trim());
        code = known ?? default;
        return known is not null;
    }

    public static DccAlertCode Parse(string text) =>
        TryParse(text, out var code) ? code : throw new FormatException($"'{text}' is not a DCC Alert Code of the XSD enumeration.");

    internal static DccAlertCode Create(string code) => new(code);

    public override string ToString() => Code;

    public bool Equals(DccAlertCode other) => string.Equals(Code, other.Code, StringComparison.Ordinal);
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Code);
}

/// <summary>
/// The DCC Alert formats: which body each DCC Alert Code uses (DUIS 3.9.1 Table 2, as listed in the
/// requirements §5; codes are those of the XSD's DCCAlertCode enumeration).
/// </summary>
public static class DccAlertCodes
{
    private static readonly (string Format, string[] Codes)[] Table =
    [
        ("PowerOutageEvent", ["AD1"]),
        ("DeviceStatusChangeEvent", ["N1", "N2", "N8", "N9", "N16", "N28", "N29", "N44", "N45"]),
        ("DSPScheduleRemoval", ["N4", "N5", "N6", "N17", "N37", "N40"]),
        ("CommandFailure", ["N3", "N7", "N10", "N11", "N12", "N13", "N14", "N15", "N33", "N34", "N35", "N36", "N38", "N41", "N53"]),
        ("FirmwareDistributionFailure", ["N18", "N19", "N20", "N21", "N22", "N23"]),
        ("UpdateHANDeviceLogResult", ["N24", "N25"]),
        ("ChangeOfSupplier", ["N26", "N27"]),
        ("DeviceLogRestored", ["N30", "N31"]),
        ("PPMIDAlert", ["N39"]),
        ("SecurityCredentialsUpdated", ["N42"]),
        ("PPMIDRemoval", ["N43"]),
        ("QuarantinedRequest", ["N46", "N47", "N48"]),
        ("FirmwareVersionMismatch", ["N49", "N50", "N51", "N52"]),
        ("DualBandCHAlert", ["N54"]),
        ("S1SPAlertDSP", ["N55", "N56"]),
        ("SMETS1CHFirmwareNotification", ["N57"]),
        ("ALCSHCALCSConfigurationChange", ["N58"]),
        ("FirmwareUpgradeRequested", ["N59"]),
        ("CSPFirmwareDeliveryStatus", ["N60", "N61"]),
        ("CommsHubAlert", ["N62"]),
        ("ECoSAlert", ["N63"]),
        ("CommsHubFirmwareActivation", ["N64"]),
        ("CoSCertificateAlert", ["N65"]),
        ("DUISVersionMismatch", ["N999"]),
    ];

    private static readonly FrozenDictionary<string, string> Formats =
        Table.SelectMany(t => t.Codes.Select(c => (c, t.Format))).ToFrozenDictionary(p => p.c, p => p.Format, StringComparer.Ordinal);

    private static readonly DccAlertCode[] Codes =
        Formats.Keys.OrderBy(c => c == "AD1" ? -1 : int.Parse(c.AsSpan(1), provider: System.Globalization.CultureInfo.InvariantCulture))
            .Select(DccAlertCode.Create).ToArray();

    /// <summary>Every DCC Alert Code of the 5.4 XSD, AD1 first then by number.</summary>
    public static IReadOnlyList<DccAlertCode> All => Codes;

    /// <summary>Every DCC Alert body format (the sr:DCCAlert choice).</summary>
    public static IEnumerable<string> AllFormats => Table.Select(t => t.Format);

    public static string FormatOf(DccAlertCode code) => Formats[code.Code];

    internal static DccAlertCode? Lookup(string? text) =>
        text is not null && Formats.ContainsKey(text) ? DccAlertCode.Create(text) : null;
}

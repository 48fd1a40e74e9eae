using System.Globalization;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Network.Execution;

/// <summary>What an injected fault makes a device (or the party behind it) do with the commands sent to it.</summary>
public enum DeviceFaultMode
{
    /// <summary>The DCC cannot establish communications with the device (E20; E31 for a Future Dated (DSP) command).</summary>
    Unreachable,
    /// <summary>The device never answers (E21 On Demand; E30 Future Dated (Device); E31 Future Dated (DSP)).</summary>
    NoResponse,
    /// <summary>The device answers, but only after <see cref="DeviceFault.Delay"/>.</summary>
    Slow,
    /// <summary>The CHF cannot deliver the command to the ESME and raises Alert 0x8F84 (E58, N53).</summary>
    EsmeUndeliverable,
    /// <summary>The device answers, and its Dual Band CHF raises a Sub GHz alert (E59, DualBandCHAlert N54).</summary>
    DualBandSubGhz,
    /// <summary>The SMETS1 Service Provider rejects the request with an S1SP Alert (E62, S1SPAlertDSP N55).</summary>
    S1SpError,
    /// <summary>The CoS Party fails an Update Security Credentials (CoS) request (E66–E71, ChangeOfSupplier N27).</summary>
    CosParty,
}

/// <summary>
/// A fault injected on one device. Each mode has the one parameter it needs: a delay (slow), the
/// Dual Band CHF alert code, the CoS Party failure code, or the S1SP Alert Code.
/// </summary>
public sealed record DeviceFault
{
    /// <summary>The Sub GHz alerts the CHF raises with E59 (DUIS 3.5.10 Table 1): without payload, then with.</summary>
    public static readonly IReadOnlyList<ushort> SubGhzAlertsWithoutPayload = [0x8F22, 0x8F24, 0x8F29, 0x8F2B];
    public static readonly IReadOnlyList<ushort> SubGhzAlertsWithPayload = [0x8F20, 0x8F2C, 0x8F2D];

    /// <summary>The CoS Party failures of DUIS 3.5.10 Table 1.</summary>
    public static readonly IReadOnlyList<ResponseCode> CosPartyCodes =
        [ResponseCode.E66, ResponseCode.E67, ResponseCode.E68, ResponseCode.E69, ResponseCode.E70, ResponseCode.E71];

    /// <summary>The S1SP Alert Code an S1SP error carries when none is given.</summary>
    public const string DefaultS1SpAlertCode = "S1SP001";

    private DeviceFault(DeviceFaultMode mode) => Mode = mode;

    public DeviceFaultMode Mode { get; }
    public TimeSpan? Delay { get; private init; }
    public ushort? DualBandAlertCode { get; private init; }
    public ResponseCode? CosPartyCode { get; private init; }
    public string? S1SpAlertCode { get; private init; }

    public static DeviceFault Unreachable { get; } = new(DeviceFaultMode.Unreachable);
    public static DeviceFault NoResponse { get; } = new(DeviceFaultMode.NoResponse);
    public static DeviceFault EsmeUndeliverable { get; } = new(DeviceFaultMode.EsmeUndeliverable);

    public static DeviceFault Slow(TimeSpan delay) =>
        delay > TimeSpan.Zero ? new(DeviceFaultMode.Slow) { Delay = delay }
            : throw new ArgumentOutOfRangeException(nameof(delay), delay, "A slow device answers after a positive delay.");

    public static DeviceFault DualBand(ushort alertCode) =>
        SubGhzAlertsWithoutPayload.Contains(alertCode) || SubGhzAlertsWithPayload.Contains(alertCode)
            ? new(DeviceFaultMode.DualBandSubGhz) { DualBandAlertCode = alertCode }
            : throw new ArgumentException($"0x{alertCode:X4} is not a Sub GHz alert the DCC carries with E59 (0x8F20, 0x8F22, 0x8F24, 0x8F29, 0x8F2B, 0x8F2C, 0x8F2D; DUIS 3.5.10 Table 1).", nameof(alertCode));

    public static DeviceFault CosParty(ResponseCode code) =>
        CosPartyCodes.Contains(code) ? new(DeviceFaultMode.CosParty) { CosPartyCode = code }
            : throw new ArgumentException($"{code} is not a CoS Party failure (E66–E71, DUIS 3.5.10 Table 1).", nameof(code));

    public static DeviceFault S1SpError(string? s1spAlertCode = null) =>
        s1spAlertCode is { Length: 0 } ? throw new ArgumentException("An S1SP Alert Code is not empty.", nameof(s1spAlertCode))
            : new(DeviceFaultMode.S1SpError) { S1SpAlertCode = s1spAlertCode ?? DefaultS1SpAlertCode };

    /// <summary>The mode's name in the admin API and the CLI.</summary>
    public static string Name(DeviceFaultMode mode) => mode switch
    {
        DeviceFaultMode.Unreachable => "unreachable",
        DeviceFaultMode.NoResponse => "no-response",
        DeviceFaultMode.Slow => "slow",
        DeviceFaultMode.EsmeUndeliverable => "esme-undeliverable",
        DeviceFaultMode.DualBandSubGhz => "dual-band",
        DeviceFaultMode.S1SpError => "s1sp-error",
        _ => "cos-party",
    };

    public static IEnumerable<string> Names => Enum.GetValues<DeviceFaultMode>().Select(Name);

    /// <summary>
    /// A fault from its mode name and its parameter: milliseconds for slow, the alert code (hex, e.g.
    /// 0x8F22) for dual-band, the Response Code for cos-party, the S1SP Alert Code for s1sp-error.
    /// </summary>
    public static bool TryParse(string? mode, string? parameter, out DeviceFault fault, out string problem)
    {
        fault = null!;
        problem = "";
        try
        {
            switch (mode?.Trim().ToLowerInvariant())
            {
                case "unreachable": fault = Unreachable; return true;
                case "no-response": fault = NoResponse; return true;
                case "esme-undeliverable": fault = EsmeUndeliverable; return true;
                case "slow":
                    if (!int.TryParse(parameter, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || ms <= 0)
                        return Fail(out problem, $"slow needs the delay in milliseconds (a positive whole number), not '{parameter}'.");
                    fault = Slow(TimeSpan.FromMilliseconds(ms));
                    return true;
                case "dual-band":
                    var hex = parameter?.Trim() ?? "";
                    if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) hex = hex[2..];
                    if (!ushort.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var alert))
                        return Fail(out problem, $"dual-band needs the CHF alert code (e.g. 0x8F22), not '{parameter}'.");
                    fault = DualBand(alert);
                    return true;
                case "cos-party":
                    if (!ResponseCode.TryParse(parameter, out var code))
                        return Fail(out problem, $"cos-party needs the failure's Response Code (E66–E71), not '{parameter}'.");
                    fault = CosParty(code);
                    return true;
                case "s1sp-error":
                    fault = S1SpError(string.IsNullOrWhiteSpace(parameter) ? null : parameter.Trim());
                    return true;
                default:
                    return Fail(out problem, $"'{mode}' is not a fault mode ({string.Join(", ", Names)}).");
            }
        }
        catch (ArgumentException e)
        {
            return Fail(out problem, e.Message.Split(" (Parameter", 2)[0]);
        }
    }

    /// <summary>The parameter as <see cref="TryParse"/> reads it, or null.</summary>
    public string? Parameter => Mode switch
    {
        DeviceFaultMode.Slow => ((long)Delay!.Value.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
        DeviceFaultMode.DualBandSubGhz => $"0x{DualBandAlertCode:X4}",
        DeviceFaultMode.CosParty => CosPartyCode!.Value.ToString(),
        DeviceFaultMode.S1SpError => S1SpAlertCode,
        _ => null,
    };

    public override string ToString() => Parameter is { } p ? $"{Name(Mode)} {p}" : Name(Mode);

    private static bool Fail(out string problem, string text)
    {
        problem = text;
        return false;
    }
}

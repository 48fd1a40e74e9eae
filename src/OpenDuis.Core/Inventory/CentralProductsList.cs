namespace OpenDuis.Core.Inventory;

/// <summary>Whether a product combination is on the Central Products List (SEC Section F2).</summary>
public enum CplStatus
{
    Current,
    /// <summary>Removed from the CPL: Devices of this combination are Suspended (F2.9).</summary>
    Removed,
}

/// <summary>
/// One Central Products List entry (SEC Section F2): a manufacturer, model and firmware version
/// combination, with the GBCS and SMETS/CHTS versions it conforms to. Requests the combination's GBCS
/// version cannot carry are refused with E57.
/// </summary>
public sealed record CplEntry
{
    public required string Manufacturer { get; init; }
    public required string Model { get; init; }
    public required string FirmwareVersion { get; init; }
    public required OpenDuis.Protocol.Domain.DeviceType DeviceType { get; init; }
    /// <summary>GBCS version, e.g. "4.2".</summary>
    public required string GbcsVersion { get; init; }
    /// <summary>SMETS or CHTS version, e.g. "SMETS2 V5.0" or "CHTS V1.4".</summary>
    public required string SmetsChtsVersion { get; init; }
    public required CplStatus Status { get; init; }
}

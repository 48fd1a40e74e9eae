using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Inventory;

/// <summary>
/// A Device in the Smart Metering Inventory: what the DCC knows of it (the Read Inventory response,
/// SR 8.2, reports these fields). Immutable: a change is a new value written through the store.
/// </summary>
public sealed record Device
{
    public required Eui Id { get; init; }
    public required DeviceType Type { get; init; }
    public required DeviceGeneration Generation { get; init; }
    public required SmiStatus Status { get; init; }
    /// <summary>Manufacturer identifier as the CPL holds it (e.g. "106C").</summary>
    public string? Manufacturer { get; init; }
    public string? Model { get; init; }
    public string? FirmwareVersion { get; init; }
    public CspRegion? Region { get; init; }
    /// <summary>For a Communications Hub Function: single or dual band HAN.</summary>
    public HanVariant? HanVariant { get; init; }
    /// <summary>The Communications Hub Function this Device is associated with (its own ID for a CHF).</summary>
    public Eui? CommsHub { get; init; }
    public Mpxn? Mpxn { get; init; }
    public Uprn? Uprn { get; init; }
    /// <summary>The Meter Asset Provider's identity (a Party's User ID).</summary>
    public Eui? MeterAssetProvider { get; init; }
    /// <summary>For a SMETS1 Device: the SMETS1 Service Provider reaching it over the SMETS1 SM WAN.</summary>
    public Eui? Smets1ServiceProvider { get; init; }
    /// <summary>
    /// For a SMETS1 Device: the Party notified to the DCC as its Critical Supplier, the only one whose
    /// Critical and Top Up requests it accepts (E64); when null, the Registered Supplier is taken as notified.
    /// </summary>
    public Parties.PartyId? Smets1NotifiedCriticalSupplier { get; init; }
    /// <summary>For a SMETS1 Device: the Party notified as its Critical Network Operator (E64); when null, the registered one.</summary>
    public Parties.PartyId? Smets1NotifiedCriticalNetworkOperator { get; init; }

    /// <summary>Whether a Device of this type is a Smart Meter (it has an MPxN and a Registered Supplier).</summary>
    public bool IsMeter => Type is DeviceType.ESME or DeviceType.GSME;

    /// <summary>The same Device at <paramref name="to"/>, if the SMI lifecycle allows the change.</summary>
    public Device WithStatus(SmiStatus to)
    {
        SmiLifecycle.EnsureAllowed(Id, Status, to);
        return this with { Status = to };
    }
}

/// <summary>One line of a CHF or GPF Device Log: a Device allowed to talk to that hub over the HAN.</summary>
public readonly record struct DeviceLogEntry(Eui Hub, Eui Device, DateTimeOffset Added);

using OpenDuis.Protocol.Domain;

namespace OpenDuis.Protocol.Catalogue;

/// <summary>How a Service Request may be Future Dated (DUIS service definitions, "Can be future dated?").</summary>
public enum FutureDatedPattern
{
    /// <summary>Not Future Dated: On Demand (or Non-Device) only.</summary>
    None,
    /// <summary>Future Dated (Device): the device holds the command until its execution date.</summary>
    Device,
    /// <summary>Future Dated (DSP): the DCC holds the request and sends it on the execution date.</summary>
    Dsp,
    /// <summary>Both patterns apply (Update Security Credentials (CoS)).</summary>
    DspAndDevice,
}

/// <summary>Whether a Service Request may be the subject of a DCC Schedule (5.1 CreateSchedule).</summary>
public enum DccSchedulability
{
    No,
    Yes,
    /// <summary>Only for SMETS1 devices (MP260: 4.2 Read Instantaneous Export Registers).</summary>
    Smets1DevicesOnly,
}

/// <summary>Whether a Service Request is available for SMETS1 devices, where the catalogue can say.</summary>
public enum Smets1Applicability
{
    /// <summary>Not recorded in this catalogue: the SMETS1 Service Request list is not part of its sources.</summary>
    NotDetermined,
    Applicable,
    NotApplicable,
}

/// <summary>A User Role eligible for a Service Request, possibly only for devices of one generation.</summary>
public readonly record struct RoleEligibility(UserRole Role, DeviceGeneration? OnlyFor = null)
{
    public bool Allows(DeviceGeneration generation) => OnlyFor is null || OnlyFor == generation;

    public override string ToString() => OnlyFor is { } g ? $"{Role.Code()} ({g} only)" : Role.Code();
}

/// <summary>A GBCS Use Case a Service Request maps to, with the GBCS Message Code(s) its commands carry.</summary>
public sealed record GbcsCrossReference(string UseCase, IReadOnlyList<ushort> MessageCodes)
{
    public override string ToString() =>
        MessageCodes.Count == 0 ? UseCase : $"{UseCase} ({string.Join(", ", MessageCodes.Select(c => $"0x{c:X4}"))})";
}

/// <summary>
/// One Service Request Variant of DUIS 5.4 (DUIS 3.8 service definitions), as amended by MP260.
/// </summary>
public sealed record ServiceRequestDefinition
{
    public required ServiceReferenceVariant Variant { get; init; }
    public ServiceReference Reference => Variant.Reference;

    /// <summary>The Service Request name (DUIS request matrix wording).</summary>
    public required string Name { get; init; }

    /// <summary>Local name of the sr:Body child element the XSD uses for this variant.</summary>
    public required string BodyElement { get; init; }

    /// <summary>Security Classification Critical (sent as a Pre-Command to be signed: CV 4–7).</summary>
    public required bool Critical { get; init; }
    public required bool OnDemand { get; init; }
    public required FutureDatedPattern FutureDated { get; init; }
    public required DccSchedulability DccSchedulable { get; init; }

    /// <summary>A Non-Device (DCC Only) request, answered by the DCC itself.</summary>
    public required bool NonDevice { get; init; }

    public required IReadOnlyList<RoleEligibility> EligibleRoles { get; init; }

    /// <summary>Device types the request may target (BusinessTargetID); empty for Non-Device requests.</summary>
    public required IReadOnlyList<DeviceType> TargetDeviceTypes { get; init; }

    public required IReadOnlyList<CommandVariant> CommandVariants { get; init; }
    public required Smets1Applicability Smets1 { get; init; }
    public required IReadOnlyList<GbcsCrossReference> Gbcs { get; init; }

    /// <summary>Whether the role may send this request at all (to some device generation).</summary>
    public bool IsEligible(UserRole role)
    {
        foreach (var e in EligibleRoles) if (e.Role == role) return true;
        return false;
    }

    /// <summary>Whether the role may send this request to a device of the given generation (E2 otherwise).</summary>
    public bool IsEligible(UserRole role, DeviceGeneration generation)
    {
        foreach (var e in EligibleRoles) if (e.Role == role && e.Allows(generation)) return true;
        return false;
    }

    public bool Allows(CommandVariant variant)
    {
        foreach (var v in CommandVariants) if (v == variant) return true;
        return false;
    }

    public bool Targets(DeviceType type)
    {
        foreach (var t in TargetDeviceTypes) if (t == type) return true;
        return false;
    }

    public bool IsDccSchedulable(DeviceGeneration generation) => DccSchedulable switch
    {
        DccSchedulability.Yes => true,
        DccSchedulability.Smets1DevicesOnly => generation == DeviceGeneration.Smets1,
        _ => false,
    };

    /// <summary>Its response, collected from a Local Command, is to be returned with 8.13 (DUIS 3.8.117.2, MP260).</summary>
    public bool ReturnableByLocalCommandResponse => ServiceCatalogue.ReturnableByLocalCommandResponse.Contains(Variant);

    /// <summary>The GBCS Message Codes of all the Use Cases this request maps to.</summary>
    public IEnumerable<ushort> GbcsMessageCodes => Gbcs.SelectMany(g => g.MessageCodes).Distinct();

    public override string ToString() => $"{Variant} {Name}";
}

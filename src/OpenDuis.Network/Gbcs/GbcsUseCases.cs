using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Network.Gbcs;

/// <summary>
/// Which GBCS Message Code a device request is carried by. The Service Reference Variant → GBCS
/// Use Case → Message Code table is the service catalogue's (<see cref="ServiceRequestDefinition.Gbcs"/>,
/// read from the RTDS 4.5.0 commands filed under each variant; MP260 confirms 4.1.1 0x0027/0x0074
/// and 4.2 0x0026); this class only picks, among a variant's Use Cases, the one for the target
/// device, by the Use Case family GBCS names it with.
/// </summary>
internal static class GbcsUseCases
{
    /// <summary>
    /// The devices a GBCS Use Case family addresses (GBCS 2.x Use Case names: ECS Electricity Smart
    /// Metering Equipment, GCS Gas (the GSME, or the GPF that holds its data), CS and CCS the
    /// Communications Hub and other devices, DBCH Dual Band Communications Hub).
    /// </summary>
    private static readonly (string Prefix, DeviceType[] Devices)[] Families =
    [
        ("ECS", [DeviceType.ESME]),
        ("GCS", [DeviceType.GSME, DeviceType.GPF]),
        ("CCS", [DeviceType.CHF, DeviceType.GPF]),
        ("DBCH", [DeviceType.CHF]),
        ("CS", []), // any device
    ];

    /// <summary>The Use Case (with a Message Code) that carries <paramref name="definition"/> to a device of <paramref name="target"/> type, if any.</summary>
    public static GbcsUseCase? For(ServiceRequestDefinition definition, DeviceType target)
    {
        GbcsUseCase? fallback = null;
        foreach (var reference in definition.Gbcs)
        {
            if (reference.MessageCodes.Count == 0) continue;
            var useCase = new GbcsUseCase(reference.UseCase, reference.MessageCodes[0]);
            fallback ??= useCase;
            if (Addresses(reference.UseCase, target)) return useCase;
        }
        return fallback;
    }

    /// <summary>Whether <paramref name="messageCode"/> is one of the variant's Use Cases (E51 otherwise, DUIS 3.5.10).</summary>
    public static bool Maps(ServiceRequestDefinition definition, ushort messageCode)
    {
        foreach (var reference in definition.Gbcs)
            foreach (var code in reference.MessageCodes)
                if (code == messageCode) return true;
        return false;
    }

    private static bool Addresses(string useCase, DeviceType target)
    {
        foreach (var (prefix, devices) in Families)
        {
            if (!useCase.StartsWith(prefix, StringComparison.Ordinal)) continue;
            return devices.Length == 0 || Array.IndexOf(devices, target) >= 0;
        }
        return false;
    }
}

/// <summary>A GBCS Use Case and the Message Code its commands and responses carry.</summary>
public readonly record struct GbcsUseCase(string Name, ushort MessageCode)
{
    /// <summary>DLMS COSEM content (ECS Use Cases), as opposed to ZigBee (GCS) or ASN.1 (CS).</summary>
    public bool IsDlms => Name.StartsWith("ECS", StringComparison.Ordinal);

    public override string ToString() => $"{Name} (0x{MessageCode:X4})";
}

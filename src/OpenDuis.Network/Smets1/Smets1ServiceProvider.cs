using System.Xml;
using OpenDuis.Network.Devices;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Network.Smets1;

/// <summary>
/// The emulated SMETS1 Service Provider's side of a SMETS1 Device's response (R-S1-1): it reads the
/// Device's values (from its state, as the SMETS2+ devices do) into the MMC body of the variant and
/// signs the result with its own key, as sr:SMETS1SignedResponse inside sr:SMETS1ResponseMessage.
/// Every SMETS1 Service Request answers with its ra:SMETSData element: the reads and the elements the
/// schema requires content of with the Device's values, the others with MessageSuccess.
/// </summary>
public sealed class Smets1ServiceProvider(SigningKey key)
{
    /// <summary>The S1SP's signing key (its certificate is in the key folder and the SMKI Repository).</summary>
    public SigningKey Key => key;

    /// <summary>The sr:SMETS1ResponseMessage answering <paramref name="request"/> from the Device in state <paramref name="state"/> (after the command).</summary>
    public XmlElement Respond(DuisRequest request, DeviceState state, ulong counter, DateTimeOffset at, ulong? dspScheduleId)
    {
        var data = SmetsData(request.ServiceReferenceVariant, state, at);
        var signed = Smets1Response.Sign(request.SchemaVersion, state.Id, request.RequestId.Originator, counter,
            request.ServiceReference, request.ServiceReferenceVariant, at, data, key);
        return Smets1Response.Message(signed, request.ServiceReference, request.ServiceReferenceVariant, dspScheduleId);
    }

    /// <summary>The ra:SMETSData element of the variant, with the Device's values (<see cref="Smets1MmcData"/>); null when the MMC has none for it.</summary>
    /// <summary>
    /// The sr:SMETS1ResponseMessage carrying a SMETS1 Device's alert <paramref name="alertCode"/> to <paramref name="user"/>,
    /// in the S1SP's signed document (ra:DeviceAlertContent with the GBCS Table 16.2 description).
    /// </summary>
    public XmlElement Alert(DuisSchemaVersion schemaVersion, Eui device, Eui user, ushort alertCode, ulong counter, DateTimeOffset at) =>
        Smets1Response.AlertMessage(Smets1Response.SignAlert(schemaVersion, device, user, counter, alertCode,
            OpenDuis.Gbcs.GbcsAlertDescriptions.Of(alertCode), at, key));

    /// <summary>The MMC ra:SMETSData element that answers <paramref name="variant"/> (e.g. ReadInstantaneousImportRegistersRsp), or null if none.</summary>
    public static string? ResponseElement(ServiceReferenceVariant variant) =>
        Protocol.Catalogue.ServiceCatalogue.TryGet(variant, out var definition) ? Smets1MmcData.ResponseElement(definition) : null;

    internal static XmlElement? SmetsData(ServiceReferenceVariant variant, DeviceState state, DateTimeOffset at) => Smets1MmcData.For(variant, state, at);
}

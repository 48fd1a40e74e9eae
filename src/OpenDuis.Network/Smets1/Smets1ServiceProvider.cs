using System.Globalization;
using System.Xml;
using OpenDuis.Network.Devices;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Network.Smets1;

/// <summary>
/// The emulated SMETS1 Service Provider's side of a SMETS1 Device's response (R-S1-1): it reads the
/// Device's values (from its state, as the SMETS2+ devices do) into the MMC body of the variant and
/// signs the result with its own key, as sr:SMETS1SignedResponse inside sr:SMETS1ResponseMessage.
/// Variants with values of their own: 4.1.1, 4.2, 4.3, 7.4; every other SMETS1 Service Request answers
/// with its ra:SMETSData element (MessageSuccess) where an empty one is schema-valid, else with none.
/// </summary>
public sealed class Smets1ServiceProvider(SigningKey key)
{
    private static ServiceReferenceVariant V(string s) => ServiceReferenceVariant.Parse(s);

    private static readonly ServiceReferenceVariant ReadImportRegisters = V("4.1.1"), ReadExportRegisters = V("4.2"),
        ReadPrepayValues = V("4.3"), ReadSupplyStatus = V("7.4");

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

    /// <summary>The ra:SMETSData element of the variant, with the Device's values; null when the variant has none that is valid.</summary>
    internal static XmlElement? SmetsData(ServiceReferenceVariant variant, DeviceState state, DateTimeOffset at)
    {
        var doc = new XmlDocument();
        if (variant == ReadImportRegisters)
        {
            var r = state.RegistersAt(at);
            var rsp = Ra(doc, "ReadInstantaneousImportRegistersRsp");
            if (state.Type is DeviceType.GSME or DeviceType.GPF)
            {
                var register = Add(Add(rsp, "Gas"), "ConsumptionRegister");
                Add(register, "Value", (r.GasVolumeLitres / 1000m).ToString("0.000", CultureInfo.InvariantCulture));
                Add(register, "Unit", "m3");
            }
            else
            {
                var electricity = Add(rsp, "Electricity");
                Register(Add(electricity, "ActiveImportRegister"), r.ActiveImportWh, "ActiveEnergyUnit", "Wh");
                Register(Add(electricity, "ReactiveImportRegister"), r.ReactiveImportVarh, "ReactiveEnergyUnit", "varh");
            }
            return rsp;
        }
        if (variant == ReadExportRegisters)
        {
            var r = state.RegistersAt(at);
            var rsp = Ra(doc, "ReadInstantaneousExportRegistersRsp");
            Register(Add(rsp, "ActiveExportRegister"), r.ActiveExportWh, "ActiveEnergyUnit", "Wh");
            Register(Add(rsp, "ReactiveExportRegister"), r.ReactiveExportVarh, "ReactiveEnergyUnit", "varh");
            return rsp;
        }
        if (variant == ReadPrepayValues)
        {
            var rsp = Ra(doc, "ReadInstantaneousPrepayValuesRsp");
            Add(rsp, "MeterBalance", state.MeterBalance.ToString(CultureInfo.InvariantCulture));
            return rsp;
        }
        if (variant == ReadSupplyStatus)
        {
            var rsp = Ra(doc, "ReadSupplyStatusRsp");
            Add(rsp, "SupplyState", state.Supply.ToString());
            return rsp;
        }
        // The MMC names each Service Request's data element after the request's body element.
        if (!ServiceCatalogue.TryGet(variant, out var definition)) return null;
        var name = definition.BodyElement + "Rsp";
        return Smets1Response.SmetsDataElements.Contains(name) && !Smets1Response.RequireData.Contains(name) ? Ra(doc, name) : null;
    }

    private static void Register(XmlElement register, ulong value, string unitElement, string unit)
    {
        Add(register, "Value", value.ToString(CultureInfo.InvariantCulture));
        Add(register, unitElement, unit);
    }

    private static XmlElement Ra(XmlDocument doc, string name)
    {
        var e = doc.CreateElement(DuisNamespaces.ResponseAndAlertPrefix, name, DuisNamespaces.ResponseAndAlert);
        e.SetAttribute("MessageSuccess", "true");
        doc.AppendChild(e);
        return e;
    }

    private static XmlElement Add(XmlElement parent, string name, string? text = null)
    {
        var e = parent.OwnerDocument.CreateElement(DuisNamespaces.ResponseAndAlertPrefix, name, DuisNamespaces.ResponseAndAlert);
        if (text is not null) e.InnerText = text;
        parent.AppendChild(e);
        return e;
    }
}

using System.Xml;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.OperatorConsole.Traffic;

/// <summary>What a message on the DUIS interface is, as the Traffic page lists it.</summary>
public enum TrafficKind
{
    Request,
    /// <summary>The synchronous answer that is not a Service Response: I99 or an error code (DUIS 3.5.10).</summary>
    Acknowledgement,
    ServiceResponse,
    DccAlert,
    /// <summary>A body that was not a DUIS request at all (refused with HTTP 400) or a failure of the DCC's own (503).</summary>
    Refused,
}

/// <summary>
/// One message seen on the DUIS interface: a request as it arrived, its synchronous answer, or a
/// Service Response or DCC Alert written to the outbox. Its header fields are read from the XML the
/// first time they are asked for, so recording costs only a copy of the bytes.
/// </summary>
public sealed class TrafficMessage(long sequence, DateTimeOffset at, TrafficKind kind, byte[] body, Eui? recipient = null, string? note = null)
{
    private TrafficHeader? _header;

    public long Sequence { get; } = sequence;
    public DateTimeOffset At { get; } = at;
    public TrafficKind Kind { get; } = kind;
    public byte[] Body { get; } = body;

    /// <summary>Why a body was refused (HTTP 400/503), as the sender was told.</summary>
    public string? Note { get; } = note;

    public TrafficHeader Header => _header ??= TrafficHeader.Read(Body, Kind, recipient);
}

/// <summary>
/// The DUIS header fields of a message (DUIS 3.2, 3.5): who sent or receives it, the Device, the
/// Service Reference Variant, the Response Code. The User is the Request ID's originator (for an
/// alert without one, its recipient); the Device its target.
/// </summary>
public sealed record TrafficHeader(
    RequestId? RequestId,
    string? ResponseId,
    Eui? User,
    Eui? Device,
    string? ServiceReferenceVariant,
    string? CommandVariant,
    string? ResponseCode,
    string? AlertCode,
    bool HasGbcsPayload)
{
    private static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreWhitespace = true,
        MaxCharactersInDocument = 4 * 1024 * 1024,
    };

    public static readonly TrafficHeader None = new(null, null, null, null, null, null, null, null, false);

    /// <summary>Reads the header elements in one forward pass, stopping at the signature; a body that is not XML has none.</summary>
    public static TrafficHeader Read(byte[] body, TrafficKind kind, Eui? recipient)
    {
        if (kind == TrafficKind.Refused) return None;
        string? requestId = null, responseId = null, deviceId = null, srv = null, cv = null, code = null, alertCode = null;
        var gbcs = false;
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(body, writable: false), Settings);
            reader.MoveToContent();
            while (!reader.EOF)
            {
                if (reader.NodeType != XmlNodeType.Element) { reader.Read(); continue; }
                // Reading an element's text moves past it, onto its next sibling: no Read() after it.
                switch (reader.LocalName)
                {
                    case "RequestID": Keep(ref requestId, reader); continue;
                    case "ResponseID": Keep(ref responseId, reader); continue;
                    case "ServiceReferenceVariant": Keep(ref srv, reader); continue;
                    case "CommandVariant": Keep(ref cv, reader); continue;
                    case "ResponseCode": Keep(ref code, reader); continue;
                    case "DCCAlertCode" or "AlertCode": Keep(ref alertCode, reader); continue;
                    // DeviceID, and the named ones of some alert bodies (ESMEDeviceID in N58, CommsHubDeviceID ...).
                    case "BusinessTargetID" or "CHFID": Keep(ref deviceId, reader); continue;
                    case var name when name.EndsWith("DeviceID", StringComparison.Ordinal): Keep(ref deviceId, reader); continue;
                    case "GBCSPayload": gbcs = true; break;
                    case "Signature": goto done;
                }
                reader.Read();
            }
        }
        catch (XmlException)
        {
            // Shown as it is; the list gives what was read before the fault.
        }
        done:
        RequestId? id = Protocol.Domain.RequestId.TryParse(requestId, out var parsed) ? parsed : null;
        Eui? user = kind == TrafficKind.DccAlert ? recipient ?? id?.Originator : id?.Originator ?? recipient;
        // An alert raised of the DCC's own accord (no Request ID) names its Device in the body.
        Eui? device = id?.Target ?? (Eui.TryParse(deviceId?.Trim(), null, out var named) ? named : null);
        return new TrafficHeader(id, responseId, user, device, srv, cv, code, alertCode, gbcs);
    }

    /// <summary>Reads a text-only element (moving past it) and keeps its first occurrence.</summary>
    private static void Keep(ref string? field, XmlReader reader)
    {
        var text = reader.ReadElementContentAsString().Trim();
        field ??= text;
    }
}

using System.Text;
using System.Xml;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Xml;

namespace OpenDuis.Cli.Commands;

/// <summary>A SMETS1 Device's response or alert (R-S1-1): no GBCS payload, its MMC body is in the S1SP's sr:SMETS1SignedResponse.</summary>
internal static class Smets1Input
{
    /// <summary>The MMC ra:GBCSResponse document of the SMETS1 response or alert <paramref name="input"/> holds; false if it holds none.</summary>
    public static bool TryRender(ReadOnlySpan<byte> input, out string xml)
    {
        xml = "";
        var text = Encoding.UTF8.GetString(input).Trim().TrimStart('\uFEFF');
        if (!text.StartsWith('<')) return false;
        XmlDocument document;
        try { document = SecureXml.Default.Load(Encoding.UTF8.GetBytes(text)); }
        catch (Exception e) when (e is XmlException or XmlRefusedException) { return false; }
        if (Smets1Response.ExtractSignedResponse(document) is not { } signed || Smets1Response.ToMmcDocument(signed) is not { } mmc) return false;
        xml = mmc.OuterXml;
        return true;
    }
}

using System.Xml;
using System.Xml.Linq;
using OpenDuis.Gbcs;
using OpenDuis.Gbcs.Mmc;
using OpenDuis.Gbcs.Parse;

namespace OpenDuis.OperatorConsole.Traffic;

/// <summary>How the message page shows one message: its XML indented, and the GBCS payload's header when it carries one.</summary>
internal static class MessageView
{
    private static readonly XmlReaderSettings Settings = new() { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = 4 * 1024 * 1024 };

    /// <summary>The XML indented for reading (the signature covers the bytes as sent, which the raw view gives).</summary>
    public static string Formatted(byte[] body)
    {
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(body, writable: false), Settings);
            return XDocument.Load(reader).ToString(SaveOptions.None);
        }
        catch (XmlException)
        {
            return System.Text.Encoding.UTF8.GetString(body);
        }
    }

    /// <summary>
    /// The GBCS messages carried in GBCSPayload elements (base64, DUIS 3.8): the header read, or the reason
    /// it could not be, and for a response or alert its Parse into MMC XML (the DCC's Parse step) when it parses.
    /// </summary>
    public static IReadOnlyList<(GbcsMessage? Message, string? Problem, string? Mmc)> GbcsPayloads(byte[] body)
    {
        var found = new List<(GbcsMessage?, string?, string?)>();
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(body, writable: false), Settings);
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element || reader.LocalName != "GBCSPayload") continue;
                var text = reader.ReadElementContentAsString().Trim();
                byte[] bytes;
                try { bytes = Convert.FromBase64String(text); }
                catch (FormatException) { found.Add((null, "The GBCSPayload is not base64.", null)); continue; }
                found.Add(GbcsMessage.TryRead(bytes, out var message, out var problem) ? (message, null, Mmc(bytes)) : (null, problem, null));
            }
        }
        catch (XmlException) { }
        return found;
    }

    private static string? Mmc(byte[] bytes)
    {
        try
        {
            return GbcsParser.TryParse(bytes, out var parsed, out _) ? MmcRenderer.Render(parsed, bytes) : null;
        }
        catch (GbcsParseException)
        {
            return null;
        }
    }
}

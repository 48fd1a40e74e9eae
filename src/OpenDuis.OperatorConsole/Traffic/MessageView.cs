using System.Xml;
using System.Xml.Linq;
using OpenDuis.Gbcs;

namespace OpenDuis.OperatorConsole.Traffic;

/// <summary>How the message page shows one message: its XML indented, and the GBCS payload's header when it carries one.</summary>
public static class MessageView
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

    /// <summary>The GBCS messages carried in GBCSPayload elements (base64, DUIS 3.8), read, or the reason one could not be.</summary>
    public static IReadOnlyList<(GbcsMessage? Message, string? Problem)> GbcsPayloads(byte[] body)
    {
        var found = new List<(GbcsMessage?, string?)>();
        try
        {
            using var reader = XmlReader.Create(new MemoryStream(body, writable: false), Settings);
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element || reader.LocalName != "GBCSPayload") continue;
                var text = reader.ReadElementContentAsString().Trim();
                byte[] bytes;
                try { bytes = Convert.FromBase64String(text); }
                catch (FormatException) { found.Add((null, "The GBCSPayload is not base64.")); continue; }
                found.Add(GbcsMessage.TryRead(bytes, out var message, out var problem) ? (message, null) : (null, problem));
            }
        }
        catch (XmlException) { }
        return found;
    }
}

using System.Text;
using System.Xml;
using OpenDuis.Gbcs.Mmc;
using OpenDuis.Gbcs.Parse;
using OpenDuis.Protocol.Xml;

namespace OpenDuis.Cli.Commands;

/// <summary>
/// The GBCS messages a file holds: hex (whitespace allowed), base64, or a DUIS message (a Service
/// Response, DCC Alert, Pre-Command or Signed Pre-Command) whose sr:GBCSPayload elements carry them.
/// </summary>
internal static class GbcsInput
{
    /// <summary>The messages, or a one-sentence reason why the text holds none.</summary>
    public static bool TryRead(ReadOnlySpan<byte> input, out List<byte[]> messages, out string problem)
    {
        var read = TryRead(input, out List<GbcsPayloadInput> payloads, out problem);
        messages = [.. payloads.Select(p => p.Message)];
        return read;
    }

    /// <summary>The messages, each with the Service Reference Variant a DUIS Service Response states beside it, or a one-sentence reason why the text holds none.</summary>
    public static bool TryRead(ReadOnlySpan<byte> input, out List<GbcsPayloadInput> messages, out string problem)
    {
        messages = [];
        problem = "";
        var text = Encoding.UTF8.GetString(input).Trim().TrimStart('\uFEFF');
        if (text.Length == 0) { problem = "the input is empty"; return false; }
        if (text[0] == '<')
        {
            XmlDocument document;
            try { document = SecureXml.Default.Load(Encoding.UTF8.GetBytes(text)); }
            catch (Exception e) when (e is XmlException or XmlRefusedException) { problem = $"the input is not well-formed XML ({e.Message})"; return false; }
            messages = PayloadsWithVariant(document);
            if (messages.Count == 0) { problem = "the XML holds no GBCSPayload element"; return false; }
            return true;
        }
        var compact = string.Concat(text.Where(c => !char.IsWhiteSpace(c)));
        if (compact.Length % 2 == 0 && compact.All(Uri.IsHexDigit))
        {
            messages = [new(Convert.FromHexString(compact), null)];
            return true;
        }
        var buffer = new byte[compact.Length];
        if (Convert.TryFromBase64String(compact, buffer, out var written))
        {
            messages = [new(buffer[..written], null)];
            return true;
        }
        problem = "the input is neither hex, base64 nor a DUIS message";
        return false;
    }

    /// <summary>The decoded GBCSPayload elements of a DUIS document in document order (ones that are not base64 are skipped), each with the sr:ServiceReferenceVariant of its ResponseMessage (DUIS 3.3: beside the payload), when stated.</summary>
    public static List<GbcsPayloadInput> PayloadsWithVariant(XmlDocument document)
    {
        var found = new List<GbcsPayloadInput>();
        var stack = new Stack<XmlNode>();
        stack.Push(document);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (node is XmlElement { LocalName: "GBCSPayload" } e)
            {
                var variant = e.ParentNode?.ChildNodes.OfType<XmlElement>().FirstOrDefault(c => c.LocalName == "ServiceReferenceVariant")?.InnerText.Trim();
                try { found.Add(new(Convert.FromBase64String(e.InnerText.Trim()), string.IsNullOrEmpty(variant) ? null : variant)); }
                catch (FormatException) { }
                continue;
            }
            for (var child = node.LastChild; child is not null; child = child.PreviousSibling) stack.Push(child);
        }
        return found;
    }

    /// <summary>The MMC document for one message, or the one-sentence reason there is none.</summary>
    public static bool TryRender(byte[] bytes, out string xml, out string problem, IGbcsMessageSecurity? security = null, string? serviceReferenceVariant = null)
    {
        xml = problem = "";
        try
        {
            xml = MmcRenderer.Render(GbcsParser.Parse(bytes), bytes, security, serviceReferenceVariant);
            return true;
        }
        catch (GbcsParseException e)
        {
            problem = $"not a readable GBCS response or alert {e.Error}";
            return false;
        }
    }
}

/// <summary>A GBCS message read from the input, and the Service Reference Variant of the request it answers when the input states it.</summary>
internal readonly record struct GbcsPayloadInput(byte[] Message, string? Variant);

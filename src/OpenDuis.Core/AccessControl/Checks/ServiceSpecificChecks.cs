using System.Buffers;
using System.Xml;
using OpenDuis.Core.AccessControl.Rules;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Core.AccessControl.Checks;

/// <summary>E51: the Signed Pre-Command's GBCS Message Code is one of the variant's Use Cases.</summary>
internal sealed class SignedPreCommandMessageCode : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E51];
    public override string Clause => "DUIS 3.5.10 Table 1 (E51); GBCS 4.3.1 message header";
    public override string Rule => "For CV 5, 6, 7 the GBCS Message Code in the Signed Pre-Command's header maps to the header's Service Reference Variant.";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        if (!context.Request.CommandVariant.TakesSignedPreCommand()) return CheckResult.Pass;
        var gbcs = context.Definition.Gbcs;
        if (gbcs.Count == 0) return CheckResult.Pass;
        var payload = context.Request.GbcsPayloadText;
        if (payload is null)
            return CheckResult.Fail(ResponseCode.E51, "The Signed Pre-Command carries no GBCSPayload.");
        var text = payload.AsSpan().Trim();
        var rented = ArrayPool<byte>.Shared.Rent(text.Length * 3 / 4 + 3);
        try
        {
            if (!Convert.TryFromBase64Chars(text, rented, out var written) || !GbcsMessageHeader.TryReadMessageCode(rented.AsSpan(0, written), out var code))
                return CheckResult.Fail(ResponseCode.E51, "The Signed Pre-Command's GBCSPayload has no readable GBCS Message Code (base64 of a General Signing header 0xDF09).");
            for (var i = 0; i < gbcs.Count; i++)
            {
                var codes = gbcs[i].MessageCodes;
                for (var j = 0; j < codes.Count; j++)
                    if (codes[j] == code) return CheckResult.Pass;
            }
            return CheckResult.Fail(ResponseCode.E51,
                $"GBCS Message Code 0x{code:X4} in the Signed Pre-Command does not map to {context.Definition} ({string.Join(", ", gbcs)}).");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}

/// <summary>E062801: 6.28 — each lower-band Sub GHz channel mask (Pages 28–30) sets channels.</summary>
internal sealed class SubGhzLowerBandMaskSet : AccessCheck
{
    private static readonly ServiceReferenceVariant SetChfSubGhzConfiguration = new(6, 28);

    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.Parse("E062801")];
    public override string Clause => "DUIS 3.8.82.2 as amended by MP260 (LowerBandSubGHzChannels…: a minimum of 2 Channels must be set); R-SR-6.28";
    public override string Rule => "6.28: each of LowerBandSubGHzChannels0To26, 27To34 and 35To61 lists at least one channel (the upper band is not validated).";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        if (context.Definition.Variant != SetChfSubGhzConfiguration) return CheckResult.Pass;
        foreach (var page in SubGhzChannelMasks.LowerBandPages)
        {
            if (Elements.CountChildren(Elements.Child(context.Request.Body, page.Element)) == 0)
                return CheckResult.Fail(Codes[0], $"{page.Element} (Page {page.Number} mask, channels {page.FirstChannel}–{page.LastChannel}) sets no channel; a minimum of {SubGhzChannelMasks.MinimumChannelsPerPage} must be set.");
        }
        return CheckResult.Pass;
    }
}

/// <summary>E062802: 6.28 — a lower-band Page in use configures at least two channels.</summary>
internal sealed class SubGhzTwoChannelsPerPage : AccessCheck
{
    private static readonly ServiceReferenceVariant SetChfSubGhzConfiguration = new(6, 28);

    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.Parse("E062802")];
    public override string Clause => "Annex to SEC F4 (\"where Pages are used, at least two channels must be configured per Page\"); DUIS 3.8.82.2 as amended by MP260; R-SR-6.28";
    public override string Rule => "6.28: no lower-band Page (28, 29, 30) is used with a single channel.";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        if (context.Definition.Variant != SetChfSubGhzConfiguration) return CheckResult.Pass;
        foreach (var page in SubGhzChannelMasks.LowerBandPages)
        {
            var count = Elements.CountChildren(Elements.Child(context.Request.Body, page.Element));
            if (count is > 0 and < SubGhzChannelMasks.MinimumChannelsPerPage)
                return CheckResult.Fail(Codes[0], $"Page {page.Number} ({page.Element}) is used with {count} channel; at least {SubGhzChannelMasks.MinimumChannelsPerPage} must be configured per Page.");
        }
        return CheckResult.Pass;
    }
}

/// <summary>E081301: 8.13 — only the responses DUIS 3.8.117.2 lists may be returned from a Local Command.</summary>
internal sealed class LocalCommandResponseListed : AccessCheck
{
    private static readonly ServiceReferenceVariant ReturnLocalCommandResponse = new(8, 13);

    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.Parse("E081301")];
    public override string Clause => "DUIS 3.8.117.2 as amended by MP260; R-SR-8.13";
    public override string Rule => "8.13: the OriginalRequestID names a request the log holds whose variant is one of 1.6, 3.2, 6.8, 6.14.1–3, 6.15.1–2, 6.21, 8.7.1–2, 8.8.1–2, 8.11, 8.12.1–2, 11.2, 11.3.";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        if (context.Definition.Variant != ReturnLocalCommandResponse) return CheckResult.Pass;
        var original = Elements.Child(context.Request.Body, "OriginalRequestID");
        if (original is null || !RequestId.TryParse(original.InnerText, out var originalId) || !context.Log.TryGet(originalId, out var entry))
            return CheckResult.Pass; // Not a request this DCC issued a Local Command for: nothing to compare.
        return LocalCommandResponses.IsAccepted(entry.Variant)
            ? CheckResult.Pass
            : CheckResult.Fail(Codes[0], $"The response to {originalId} ({entry.Variant}) is not one the DCC accepts back from a Local Command (DUIS 3.8.117.2).");
    }
}

internal static class Elements
{
    public static XmlElement? Child(XmlElement parent, string localName)
    {
        for (var n = parent.FirstChild; n is not null; n = n.NextSibling)
            if (n is XmlElement e && e.LocalName == localName && e.NamespaceURI == DuisNamespaces.ServiceUserGateway) return e;
        return null;
    }

    public static int CountChildren(XmlElement? parent)
    {
        var count = 0;
        for (var n = parent?.FirstChild; n is not null; n = n.NextSibling)
            if (n is XmlElement) count++;
        return count;
    }
}

namespace OpenDuis.Protocol.Messages;

/// <summary>The XML namespaces of DUIS messages and the prefixes DCC Boxed writes them with (R-MSG-1).</summary>
public static class DuisNamespaces
{
    /// <summary>Service requests, responses and alerts (prefix <c>sr</c>).</summary>
    public const string ServiceUserGateway = "http://www.dccinterface.co.uk/ServiceUserGateway";
    public const string ServiceUserGatewayPrefix = "sr";

    /// <summary>The MMC response and alert payloads (prefix <c>ra</c>).</summary>
    public const string ResponseAndAlert = "http://www.dccinterface.co.uk/ResponseAndAlert";
    public const string ResponseAndAlertPrefix = "ra";

    public const string XmlDsig = "http://www.w3.org/2000/09/xmldsig#";
    public const string XmlDsigPrefix = "ds";

    internal const string Xmlns = "http://www.w3.org/2000/xmlns/";
}

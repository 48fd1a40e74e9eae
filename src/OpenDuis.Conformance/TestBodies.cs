using System.Globalization;
using System.Xml;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Conformance;

/// <summary>
/// The sr:Body content of the requests in <see cref="TestRequests.Table"/>, valid against the DUIS 5.4
/// XSD. Most are reads with an empty body; the rest carry the least their schema type demands.
/// </summary>
internal static class TestBodies
{
    private const string Sr = DuisNamespaces.ServiceUserGateway;

    public static XmlElement For(ServiceRequestDefinition definition, SigningKey signer, DateTimeOffset now)
    {
        var doc = new XmlDocument();
        var body = Element(doc, definition.BodyElement);
        switch (definition.Variant.ToString())
        {
            case "4.17":
            {
                // The last seven whole days.
                var period = Append(body, "ReadLogPeriod");
                var end = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
                Append(period, "StartDateTime", DateTime(end.AddDays(-7)));
                Append(period, "EndDateTime", DateTime(end));
                break;
            }
            case "6.21":
            {
                // Hand the Supplier trust anchor over to the sender's own certificate; the request is refused
                // at validation, before any of it would be acted on.
                var certificate = Convert.ToBase64String(signer.Certificate.Certificate.RawData);
                Append(body, "RemotePartyRole", "Supplier");
                Append(Append(body, "ReplacementCertificates"), "DigitalSigningCertificate", certificate);
                Append(Append(body, "CertificationPathCertificates"), "Certificate", certificate);
                Append(body, "ApplyTimeBasedCPVChecks", "true");
                break;
            }
            case "6.24.1":
                Append(body, "RemotePartyRole", "NetworkOperator");
                break;
        }
        return body;
    }

    private static string DateTime(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'.00Z'", CultureInfo.InvariantCulture);

    private static XmlElement Element(XmlDocument doc, string name) => doc.CreateElement(DuisNamespaces.ServiceUserGatewayPrefix, name, Sr);

    private static XmlElement Append(XmlElement parent, string name, string? text = null)
    {
        var e = Element(parent.OwnerDocument, name);
        if (text is not null) e.InnerText = text;
        parent.AppendChild(e);
        return e;
    }
}

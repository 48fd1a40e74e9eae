using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Core.AccessControl;

/// <summary>
/// What signature verification (DUIS 3.2.3 Message Authentication, R-MSG-3) concluded before the
/// pipeline runs. The pipeline turns it into E100 or E65 as the first two checks of its table.
/// </summary>
public enum Authentication
{
    /// <summary>The signature verifies with an Organisation Certificate of Remote Party Role xmlSign.</summary>
    Verified,
    /// <summary>The signature is missing, altered, outside the DUIS profile or by an unknown certificate (E100).</summary>
    Failed,
    /// <summary>A valid signature, but by a certificate without the xmlSign role (E65).</summary>
    NotXmlSignCertificate,
}

/// <summary>
/// One request as access control sees it: the parsed DUIS request, the web service it arrived on,
/// the verdict of signature verification and the User ID of the signing certificate.
/// </summary>
/// <param name="Signer">The User ID (EUI-64) the signing Organisation Certificate names, when verification found one.</param>
/// <param name="AuthenticationDetail">Why verification failed, for the reason text of E100/E65.</param>
public readonly record struct AccessRequest(
    DuisRequest Request,
    WebService ArrivedOn,
    Authentication Authentication = Authentication.Verified,
    Eui? Signer = null,
    string? AuthenticationDetail = null);

using System.Globalization;
using System.Numerics;
using System.Text;
using System.Xml;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Xml;

namespace OpenDuis.Core.SmkiRepository;

/// <summary>An answer of the SMKI Repository interface: an HTTP status and, for 200, an XML body.</summary>
public sealed record SmkiRepositoryAnswer(int Status, string? Xml, string? Problem)
{
    public const int Ok = 200;
    /// <summary>What DCC Boxed answers to search parameters it cannot use (and what its clients expect).</summary>
    public const int InvalidParameters = 401;
    /// <summary>What DCC Boxed answers when nothing matches (and what its clients treat as "none").</summary>
    public const int NothingFound = 402;
}

/// <summary>
/// The Device Certificates lodged in the SMKI Repository, looked up as they are needed: Devices are
/// added to the inventory (and issued certificates) while the repository serves.
/// </summary>
public interface IDeviceCertificateDirectory
{
    /// <summary>The Device's certificates (DS and KA), none when it has none.</summary>
    IReadOnlyList<RepositoryCertificate> ForDevice(Eui device);

    /// <summary>The Device Certificate with this serial number, or null.</summary>
    RepositoryCertificate? FindBySerial(BigInteger serial);
}

/// <summary>
/// The SMKI Repository's certificate search and retrieval, as DCC Boxed serves them on port 8083
/// (<c>POST /services/certificatesearch</c>, <c>POST /services/retrievecertificate</c>,
/// <c>application/xml</c>): a search by subject EUI-64 (CertificateSubjectName for Organisation
/// Certificates, CertificateSubjectAltName for Device Certificates), narrowed by role, usage and
/// status, answers serials; a retrieval by serial answers the certificate (base64 DER).
/// Revocation is not modelled: every lodged certificate is In use ("I"), expired ones included,
/// as the ZAZ1 test certificates DCC Boxed serves are.
/// </summary>
public sealed class SmkiRepositoryService
{
    private readonly IReadOnlyList<RepositoryCertificate> _certificates;
    private readonly Dictionary<BigInteger, RepositoryCertificate> _bySerial;
    private readonly IDeviceCertificateDirectory? _devices;

    /// <param name="certificates">The certificates lodged once for all (Organisation Certificates, fixed Device Certificates).</param>
    /// <param name="devices">The Device Certificates issued as Devices are added, if any.</param>
    public SmkiRepositoryService(IEnumerable<RepositoryCertificate> certificates, IDeviceCertificateDirectory? devices = null)
    {
        _certificates = [.. certificates];
        _bySerial = _certificates.GroupBy(c => c.SerialNumber).ToDictionary(g => g.Key, g => g.First());
        _devices = devices;
    }

    public static SmkiRepositoryService FromKeyStore(KeyStore keys, IEnumerable<RepositoryCertificate>? deviceCertificates = null,
        IDeviceCertificateDirectory? devices = null) =>
        new(keys.Certificates.Select(RepositoryCertificate.FromOrganisation).Concat(deviceCertificates ?? []), devices);

    public IReadOnlyList<RepositoryCertificate> Certificates => _certificates;

    private static readonly HashSet<string> RetrieveFields = ["CertificateSerial"];

    private static readonly HashSet<string> SearchFields =
        ["CertificateSubjectName", "CertificateSubjectAltName", "CertificateRole", "CertificateUsage", "CertificateStatus", "CertificateSerial"];

    public SmkiRepositoryAnswer Search(ReadOnlyMemory<byte> requestXml)
    {
        if (!TryReadFields(requestXml, "CertificateSearchRequest", SearchFields, out var fields, out var problem))
            return new(SmkiRepositoryAnswer.InvalidParameters, null, problem);

        Eui? subject = null, altName = null;
        if (fields.TryGetValue("CertificateSubjectName", out var text) && !TryEui(text, out subject, out problem)) return Invalid(problem);
        if (fields.TryGetValue("CertificateSubjectAltName", out text) && !TryEui(text, out altName, out problem)) return Invalid(problem);
        if (subject is null && altName is null && !fields.ContainsKey("CertificateSerial"))
            return Invalid("give CertificateSubjectName, CertificateSubjectAltName or CertificateSerial");
        RemotePartyRole? role = null;
        if (fields.TryGetValue("CertificateRole", out text))
        {
            if (!byte.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var roleNumber))
                return Invalid($"CertificateRole '{text}' is not a Remote Party Role number (0–255)");
            role = new RemotePartyRole(roleNumber);
        }
        CertificateKeyUsage? usage = null;
        if (fields.TryGetValue("CertificateUsage", out text))
        {
            usage = text switch { "DS" => CertificateKeyUsage.DigitalSignature, "KA" => CertificateKeyUsage.KeyAgreement, _ => null };
            if (usage is null) return Invalid($"CertificateUsage '{text}' is not DS or KA");
        }
        if (fields.TryGetValue("CertificateStatus", out text) && text != "I")
            return new(SmkiRepositoryAnswer.NothingFound, null, $"only In-use (I) certificates are held, not '{text}'");
        BigInteger? serial = null;
        if (fields.TryGetValue("CertificateSerial", out text))
        {
            if (!TrySerial(text, out var s)) return Invalid($"CertificateSerial '{text}' is not a hex serial number");
            serial = s;
        }

        IEnumerable<RepositoryCertificate> candidates = _certificates;
        if (_devices is not null)
        {
            if (altName is { } device) candidates = candidates.Concat(_devices.ForDevice(device));
            else if (subject is null && serial is { } s && _devices.FindBySerial(s) is { } bySerial) candidates = candidates.Append(bySerial);
        }
        var matches = candidates.DistinctBy(c => c.SerialNumber).Where(c =>
                (subject is null || (c.Kind == RepositoryCertificateKind.Organisation && c.Subject == subject))
                && (altName is null || (c.Kind == RepositoryCertificateKind.Device && c.Subject == altName))
                && (role is null || c.Role == role)
                && (usage is null || c.Usage == usage)
                && (serial is null || c.SerialNumber == serial))
            .ToArray();
        if (matches.Length == 0) return new(SmkiRepositoryAnswer.NothingFound, null, "no certificate matches");

        return new(SmkiRepositoryAnswer.Ok, Write("CertificateSearchResponse", writer =>
        {
            foreach (var c in matches)
            {
                writer.WriteStartElement("Result");
                WriteFields(writer, c);
                writer.WriteEndElement();
            }
        }), null);
    }

    public SmkiRepositoryAnswer Retrieve(ReadOnlyMemory<byte> requestXml)
    {
        if (!TryReadFields(requestXml, "CertificateDataRequest", RetrieveFields, out var fields, out var problem))
            return Invalid(problem);
        if (!fields.TryGetValue("CertificateSerial", out var text)) return Invalid("give CertificateSerial");
        if (!TrySerial(text, out var serial)) return Invalid($"CertificateSerial '{text}' is not a hex serial number");
        var certificate = _bySerial.GetValueOrDefault(serial) ?? _devices?.FindBySerial(serial);
        if (certificate is null)
            return new(SmkiRepositoryAnswer.NothingFound, null, $"no certificate with serial {text}");

        return new(SmkiRepositoryAnswer.Ok, Write("CertificateDataResponse", writer =>
        {
            writer.WriteStartElement("CertificateResponse");
            WriteFields(writer, certificate);
            writer.WriteElementString("CertificateBody", Convert.ToBase64String(certificate.Certificate.RawData));
            writer.WriteEndElement();
        }), null);
    }

    private static SmkiRepositoryAnswer Invalid(string problem) => new(SmkiRepositoryAnswer.InvalidParameters, null, problem);

    private static void WriteFields(XmlWriter writer, RepositoryCertificate c)
    {
        writer.WriteElementString("CertificateSerial", c.SerialHex);
        var eui = c.Subject.ToString().ToLowerInvariant();
        if (c.Kind == RepositoryCertificateKind.Organisation)
        {
            writer.WriteElementString("CertificateSubjectName", eui);
            writer.WriteElementString("CertificateRole", c.Role!.Value.Value.ToString(CultureInfo.InvariantCulture));
        }
        else
        {
            writer.WriteElementString("CertificateSubjectAltName", eui);
        }
        writer.WriteElementString("CertificateUsage", c.Usage == CertificateKeyUsage.DigitalSignature ? "DS" : "KA");
        writer.WriteElementString("CertificateStatus", "I");
    }

    private static string Write(string root, Action<XmlWriter> body)
    {
        var text = new StringBuilder();
        using (var writer = XmlWriter.Create(new Utf8StringWriter(text), new XmlWriterSettings { Encoding = Encoding.UTF8 }))
        {
            writer.WriteStartDocument();
            writer.WriteStartElement(root);
            body(writer);
            writer.WriteEndElement();
        }
        return text.ToString();
    }

    private static bool TryReadFields(ReadOnlyMemory<byte> xml, string root, IReadOnlySet<string> allowed,
        out Dictionary<string, string> fields, out string problem)
    {
        fields = [];
        XmlDocument document;
        try
        {
            document = SecureXml.Default.Load(xml);
        }
        catch (XmlRefusedException e)
        {
            problem = $"request refused ({e.Refusal}): {e.Message}";
            return false;
        }
        if (document.DocumentElement is not { } element || element.LocalName != root || element.NamespaceURI.Length != 0)
        {
            problem = $"expected a {root} document, not {document.DocumentElement?.Name ?? "nothing"}";
            return false;
        }
        foreach (XmlNode node in element.ChildNodes)
        {
            if (node.NodeType is XmlNodeType.Whitespace or XmlNodeType.SignificantWhitespace or XmlNodeType.Comment) continue;
            if (node is not XmlElement child || !allowed.Contains(child.LocalName) || child.HasChildNodes && child.ChildNodes.OfType<XmlElement>().Any())
            {
                problem = $"{root} may hold only {string.Join(", ", allowed.Order())}; found {node.Name}";
                return false;
            }
            if (!fields.TryAdd(child.LocalName, child.InnerText.Trim()))
            {
                problem = $"{child.LocalName} given twice";
                return false;
            }
        }
        problem = "";
        return true;
    }

    private static bool TryEui(string text, out Eui? eui, out string problem)
    {
        if (Eui.TryParse(text, out var parsed))
        {
            eui = parsed;
            problem = "";
            return true;
        }
        eui = null;
        problem = $"'{text}' is not an EUI-64 (a1-a2-a3-a4-a5-a6-a7-a8)";
        return false;
    }

    private static bool TrySerial(string text, out BigInteger serial)
    {
        serial = default;
        text = text.Trim();
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) text = text[2..];
        return text.Length is > 0 and <= 40
            && text.All(char.IsAsciiHexDigit)
            && BigInteger.TryParse("0" + text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out serial);
    }

    private sealed class Utf8StringWriter(StringBuilder builder) : StringWriter(builder, CultureInfo.InvariantCulture)
    {
        public override Encoding Encoding => Encoding.UTF8;
    }
}

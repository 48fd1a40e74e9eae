using static OpenDuis.Gbcs.Mmc.MmcRenderer;

namespace OpenDuis.Gbcs.Mmc;

/// <summary>Which GBCS ASN.1 code list a status is drawn from.</summary>
internal enum Asn1CodeList
{
    /// <summary>StatusCode (ENUMERATED) of CS02a's remote party details and CS02b's replacement outcomes.</summary>
    StatusCode,
    /// <summary>CS02d (6.15.2): Update Device Certificate's response code.</summary>
    UpdateDeviceCertificate,
    /// <summary>CS02e (6.24.2): Provide Device Certificate's response code.</summary>
    ProvideDeviceCertificate,
    /// <summary>CS03 (8.7.1, 8.7.2) and each GCS59 (8.12.2) restore outcome: the join response code.</summary>
    Join,
    /// <summary>CS04 (8.8.1, 8.8.2): the unjoin response code.</summary>
    Unjoin,
    /// <summary>CS06 (11.3): Activate Firmware's response code.</summary>
    ActivateFirmware,
}

/// <summary>
/// GBCS's ASN.1 response and status codes as the MMC's StatusASN1 names them: the code as its ResponseCode attribute and, where
/// the code is in its list, its name as ASN1Status (else notKnown). The values are GBCS's, as the Smart DCC's open-source GBCS
/// parser (gbcs-parser) names them; each list's names are the MMC's, in the order StatusASN1 gives them under the Service
/// Requests it annotates (6.15.1/6.21/6.23/8.5, 6.15.2, 6.24.2, 8.7, 8.8, 11.3).
/// </summary>
internal static class Asn1StatusCodes
{
    private static readonly Dictionary<long, string>[] Lists =
    [
        new() { [0] = "success", [5] = "badCertificate", [10] = "noTrustAnchor", [17] = "insufficientMemory", [25] = "trustAnchorNotFound", [30] = "resourcesBusy", [127] = "other" },
        Numbered("success", "invalidCertificate", "wrongDeviceIdentity", "invalidKeyUsage", "noCorrespondingKeyPairGenerated", "wrongPublicKey",
            "certificateStorageFailed", "privateKeyChangeFailed"),
        Numbered("success", "invalidKeyUsage", "noCertificateHeld", "certificateRetrievalFailure"),
        Numbered("success", "invalidMessageCodeForJoinMethodAndRole", "invalidJoinMethodAndRole", "incompatibleWithExistingEntry", "deviceLogFull",
            "writeFailure", "keyAgreementNoResources", "keyAgreementUnknownIssuer", "keyAgreementUnsupportedSuite", "keyAgreementBadMessage",
            "keyAgreementBadKeyConfirm", "invalidOrMissingCertificate", "noPartnerLinkKeyReceived", "noCBKEResponse"),
        Numbered("success", "otherDeviceNotInDeviceLog", "otherFailure"),
        Numbered("success", "noImageHeld", "hashMismatch", "activationFailure"),
    ];

    private static Dictionary<long, string> Numbered(params string[] names) =>
        names.Select((name, code) => (name, code)).ToDictionary(p => (long)p.code, p => p.name);

    /// <summary>The MMC's name of <paramref name="code"/> in <paramref name="list"/>: notKnown when the list does not hold it.</summary>
    public static string Name(long code, Asn1CodeList list) => Lists[(int)list].GetValueOrDefault(code, "notKnown");

    /// <summary>A StatusASN1 element: ResponseCode the code, ASN1Status its name.</summary>
    public static void Write(MmcWriter w, string element, long code, Asn1CodeList list)
    {
        w.WriteStartElement(element, Namespace);
        w.WriteAttribute("ResponseCode", code);
        Element(w, "ASN1Status", Name(code, list));
        w.WriteEndElement();
    }
}

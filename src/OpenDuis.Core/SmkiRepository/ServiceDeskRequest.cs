using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.SmkiRepository;

/// <summary>How someone contacted the Service Desk about the SMKI Repository (Appendix P 2.2, as amended by MP260).</summary>
public enum ServiceDeskChannel
{
    PersonalVisit,
    Email,
    SignedLetter,
    Telephone,
    /// <summary>No longer accepted: MP260 removed "signed fax" from Appendix P 2.2. Kept so a fax can be named and refused.</summary>
    SignedFax,
}

/// <summary>Who may use the Service Desk route of Appendix P 2.2.</summary>
public enum ServiceDeskRequesterKind
{
    Party,
    RegistrationDataProvider,
    SmkiPmaRepresentative,
    PanelRepresentative,
    CodeAdministratorRepresentative,
    /// <summary>Anyone else: not entitled under Appendix P 2.2.</summary>
    Other,
}

public sealed record ServiceDeskRequester(
    string Name,
    ServiceDeskRequesterKind Kind,
    bool HasDccGatewayConnection,
    Eui? PartyId = null,
    string? EmailAddress = null);

/// <summary>Appendix P 2.2: a requester may view a document lodged in the SMKI Repository and/or obtain a copy.</summary>
public enum RepositoryAccessPurpose
{
    View,
    ObtainCopy,
    ViewAndObtainCopy,
}

/// <summary>How the DCC provided what was asked for: optical media (CD, DVD), email where appropriate, or shown in person.</summary>
public enum ProvisionMedium
{
    OpticalMedia,
    Email,
    ViewedInPerson,
}

public sealed record Provision(IReadOnlyList<string> Items, ProvisionMedium Medium, string? SentTo, DateTimeOffset At);

public readonly record struct ServiceDeskRequestId(Guid Value)
{
    public static ServiceDeskRequestId New() => new(Guid.CreateVersion7());
    public override string ToString() => Value.ToString();
}

/// <summary>An entry in the SMKI Repository service-desk log: who asked, how, for what, and what was provided how.</summary>
public sealed record ServiceDeskRequest(
    ServiceDeskRequestId Id,
    ServiceDeskRequester Requester,
    ServiceDeskChannel Channel,
    RepositoryAccessPurpose Purpose,
    IReadOnlyList<string> Requested,
    DateTimeOffset ReceivedAt,
    IReadOnlyList<Provision> Provided);

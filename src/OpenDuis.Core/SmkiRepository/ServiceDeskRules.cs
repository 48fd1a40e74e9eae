namespace OpenDuis.Core.SmkiRepository;

/// <summary>SEC Appendix P 2.2 (as amended by MP260): SMKI Repository content access for those without a DCC Gateway Connection.</summary>
internal static class ServiceDeskRules
{
    public const string Clause = "Appendix P 2.2";

    public static Refusal? CheckRequest(ServiceDeskRequester requester, ServiceDeskChannel channel)
    {
        if (channel == ServiceDeskChannel.SignedFax)
            return new Refusal(Clause, "a signed fax is no longer a way to ask the Service Desk (MP260 removed it); use a personal visit, email, a signed letter or telephone");
        if (requester.Kind == ServiceDeskRequesterKind.Other)
            return new Refusal(Clause, $"{requester.Name} is not a Party, a Registration Data Provider, or a representative of the SMKI PMA, the Panel or the Code Administrator");
        if (requester.HasDccGatewayConnection)
            return new Refusal(Clause, $"{requester.Name} has a DCC Gateway Connection; the Service Desk route is for those without one, so use the SMKI Repository Interface");
        if (channel == ServiceDeskChannel.Email && requester.EmailAddress is null)
            return new Refusal(Clause, "a request by email needs the requester's email address on record");
        return null;
    }

    public static Refusal? CheckProvision(ServiceDeskRequest request, ProvisionMedium medium, DateTimeOffset at)
    {
        if (at < request.ReceivedAt)
            return new Refusal(Clause, $"nothing can be provided ({UkLocalTime.Format(at)}) before the request was received ({UkLocalTime.Format(request.ReceivedAt)})");
        if (medium == ProvisionMedium.Email && request.Requester.EmailAddress is null)
            return new Refusal(Clause, $"email is not appropriate: no email address is on record for {request.Requester.Name}; provide on optical media (CD, DVD)");
        if (medium == ProvisionMedium.ViewedInPerson && request.Purpose == RepositoryAccessPurpose.ObtainCopy)
            return new Refusal(Clause, "a copy was asked for: provide it on optical media (CD, DVD) or, where appropriate, by email");
        return null;
    }
}

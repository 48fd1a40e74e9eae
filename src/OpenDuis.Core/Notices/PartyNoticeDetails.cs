using System.Net.Mail;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Notices;

/// <summary>
/// The part of a Party's Party Details that says where notices go (M10.3): one physical address,
/// and an email address for each type of notice that may be given by email. A type with no email
/// address may not be notified by email.
/// </summary>
public sealed record PartyNoticeDetails
{
    public PartyNoticeDetails(Eui party, string? physicalAddress, IReadOnlyDictionary<NoticeType, string>? emailAddresses = null)
    {
        Party = party;
        PhysicalAddress = string.IsNullOrWhiteSpace(physicalAddress) ? null : physicalAddress.Trim();
        var emails = new Dictionary<NoticeType, string>();
        foreach (var (type, address) in emailAddresses ?? new Dictionary<NoticeType, string>())
        {
            if (!MailAddress.TryCreate(address, out var parsed))
                throw new ArgumentException($"'{address}' (for {type} notices) is not an email address.", nameof(emailAddresses));
            emails[type] = parsed.Address;
        }
        EmailAddresses = emails;
    }

    public Eui Party { get; }
    public string? PhysicalAddress { get; }
    public IReadOnlyDictionary<NoticeType, string> EmailAddresses { get; }

    public string? EmailFor(NoticeType type) => EmailAddresses.GetValueOrDefault(type);
}

using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Requests;

/// <summary>
/// A Transform's Pre-Command as the DCC issued it (CV 4, DUIS 3.4.2), kept for Correlate: the Transform's header
/// fields, its body (Brotli-compressed UTF-8, <see cref="BodyLength"/> bytes when expanded), and the GBCS Use Case
/// (name and Message Code) it was built for. Its Transform's Request ID is its key: a Signed Pre-Command names the
/// same originator, Device and counter in its GBCS header.
/// </summary>
public sealed record StoredPreCommand(DuisSchemaVersion SchemaVersion, RequestId TransformId, CommandVariant CommandVariant,
    ServiceReference ServiceReference, ServiceReferenceVariant ServiceReferenceVariant, byte[] Body, int BodyLength,
    string UseCase, ushort MessageCode, DateTimeOffset IssuedAt);

/// <summary>
/// The Pre-Commands issued by any node sharing the database (issue 22), so a Signed Pre-Command is correlated
/// with its Pre-Command (E51, DUIS 3.5.10 Table 1) whichever node issued it and whichever admits it.
/// </summary>
public interface IIssuedPreCommandStore
{
    /// <summary>Keeps the Pre-Command, replacing one issued before for the same key.</summary>
    Task IssueAsync(StoredPreCommand preCommand, CancellationToken cancellationToken = default);

    /// <summary>
    /// The Pre-Command issued for <paramref name="key"/>, or null; with <paramref name="take"/> it is removed in the
    /// same statement, so two nodes never both take it.
    /// </summary>
    Task<StoredPreCommand?> FindAsync(RequestId key, bool take, CancellationToken cancellationToken = default);

    /// <summary>Forgets the Pre-Commands issued before <paramref name="before"/>; returns how many.</summary>
    Task<int> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken = default);
}

using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.Outbox;

/// <summary>
/// Where each User receives what the DCC sends it asynchronously: the response endpoint registered
/// with the User (<c>openduis users endpoint USER URL</c>).
/// </summary>
public interface IResponseEndpoints
{
    /// <summary>The User's endpoint, or null while none is registered (messages wait in the outbox).</summary>
    ValueTask<Uri?> FindAsync(Eui user, CancellationToken cancellationToken = default);
}

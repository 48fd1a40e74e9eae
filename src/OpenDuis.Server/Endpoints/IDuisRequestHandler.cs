using OpenDuis.Protocol.Domain;

namespace OpenDuis.Server.Endpoints;

/// <summary>How an answer was reached, for metrics and the HTTP status.</summary>
public enum AnswerOutcome
{
    /// <summary>Accepted: I0, I99, a PreCommand.</summary>
    Accepted,
    /// <summary>A signed DUIS Response carrying an error code (E100, E13, E55 …).</summary>
    Rejected,
    /// <summary>Not a DUIS request at all (not XML, no readable header): HTTP 400 with a plain explanation.</summary>
    Unreadable,
    /// <summary>
    /// Admitted, but its change could not be stored whole and nothing of it was kept (R-WS-2): HTTP 503
    /// with the reason. The DUIS has no Response Code for a failure of the DCC's own; the User may send it again.
    /// </summary>
    NotApplied,
}

/// <summary>
/// The synchronous answer to one request: the bytes to write and what they mean. A signed answer's bytes may
/// be a buffer rented from the shared pool (<see cref="Pooled"/>): the endpoint writes them and then
/// <see cref="Release"/>s the buffer, after which <see cref="Body"/> refuses to be read. Whatever keeps the
/// bytes beyond the request (the operator console's traffic tap) keeps a copy taken before then.
/// </summary>
public sealed class DuisAnswer(ReadOnlyMemory<byte> body, string responseCode, AnswerOutcome outcome, string contentType = "application/xml; charset=utf-8")
{
    private readonly ReadOnlyMemory<byte> _body = body;
    private byte[]? _rented;
    private int _released;

    /// <summary>The answer's bytes; read before the endpoint releases them.</summary>
    public ReadOnlyMemory<byte> Body => Volatile.Read(ref _released) == 0
        ? _body
        : throw new InvalidOperationException("The answer's bytes were returned to the pool once written; copy them before.");

    public string ResponseCode { get; } = responseCode;

    public AnswerOutcome Outcome { get; } = outcome;

    public string ContentType { get; } = contentType;

    /// <summary>The Request ID answered, for the request's log line; null when the body was not a readable request.</summary>
    public string? RequestId { get; init; }

    /// <summary>Why the request was refused, for the request's log line (the answer itself carries only the code).</summary>
    public string? Reason { get; init; }

    /// <summary>An answer written into <paramref name="rented"/> (from <see cref="System.Buffers.ArrayPool{T}.Shared"/>), which it returns on <see cref="Release"/>.</summary>
    public static DuisAnswer Pooled(byte[] rented, int length, string responseCode, AnswerOutcome outcome, string? requestId, string? reason) =>
        new(rented.AsMemory(0, length), responseCode, outcome) { _rented = rented, RequestId = requestId, Reason = reason };

    /// <summary>Gives a pooled answer's buffer back once its bytes are written; nothing reads <see cref="Body"/> after. Idempotent.</summary>
    public void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0 && _rented is { } rented)
        {
            _rented = null;
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public int HttpStatus => Outcome switch
    {
        AnswerOutcome.Unreadable => StatusCodes.Status400BadRequest,
        AnswerOutcome.NotApplied => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status200OK,
    };

    public static DuisAnswer Unreadable(string reason) =>
        new(System.Text.Encoding.UTF8.GetBytes(reason + "\n"), "none", AnswerOutcome.Unreadable, "text/plain; charset=utf-8");

    public static DuisAnswer NotApplied(string reason) =>
        new(System.Text.Encoding.UTF8.GetBytes(reason + "\n"), "none", AnswerOutcome.NotApplied, "text/plain; charset=utf-8");
}

/// <summary>
/// Who the TLS connection a request arrived on is authenticated as (the duis profile's DCCKI client
/// certificate, R-WS-3): the User ID the certificate names, or null when it names none.
/// </summary>
/// <param name="Subject">The certificate's subject, for the refusal's reason.</param>
public sealed record DuisChannel(Eui? User, string Subject);

/// <summary>Turns the body POSTed to one of the services into its synchronous answer.</summary>
public interface IDuisRequestHandler
{
    ValueTask<DuisAnswer> HandleAsync(WebService service, ReadOnlyMemory<byte> body, CancellationToken cancellationToken);

    /// <summary>
    /// As <see cref="HandleAsync(WebService, ReadOnlyMemory{byte}, CancellationToken)"/>, for a request that
    /// arrived over a mutually authenticated connection: the request must be the connection's User's.
    /// </summary>
    ValueTask<DuisAnswer> HandleAsync(WebService service, ReadOnlyMemory<byte> body, DuisChannel? channel, CancellationToken cancellationToken);
}

using System.Buffers;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using OpenDuis.Protocol.Domain;
using OpenDuis.Server.Observability;

namespace OpenDuis.Server.Endpoints;

/// <summary>
/// The HTTP face of the three services: POST application/xml, a bounded body, the synchronous
/// answer. Everything DUIS-specific is the <see cref="IDuisRequestHandler"/>'s job.
/// </summary>
public static partial class DuisEndpoints
{
    public static void MapDuisServices(this IEndpointRouteBuilder app)
    {
        foreach (var service in Enum.GetValues<WebService>())
        {
            app.MapPost(service.Path(), (HttpContext context) => HandleAsync(service, context))
                .WithName("duis-" + service.Label());
        }
    }

    private static async Task HandleAsync(WebService service, HttpContext context)
    {
        var metrics = context.RequestServices.GetRequiredService<DuisMetrics>();
        var logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("OpenDuis.Server.Duis");
        var request = context.Request;
        if (!IsXml(request.ContentType))
        {
            await WritePlainAsync(context, StatusCodes.Status415UnsupportedMediaType,
                $"{service.Path()} accepts only application/xml (DUIS 2.2); received '{request.ContentType ?? "no Content-Type"}'.");
            metrics.Requests.WithLabels(service.Label(), "none", "unsupported_media_type").Inc();
            return;
        }

        byte[] rented;
        int length;
        try
        {
            (rented, length) = await ReadBodyAsync(request, context.RequestAborted);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            var limit = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
            await WritePlainAsync(context, StatusCodes.Status413PayloadTooLarge,
                $"The request body exceeds the limit of {limit} bytes (R-MSG-5).");
            metrics.Requests.WithLabels(service.Label(), "none", "too_large").Inc();
            return;
        }

        try
        {
            var started = Stopwatch.GetTimestamp();
            var handler = context.RequestServices.GetRequiredService<IDuisRequestHandler>();
            var channel = context.Connection.ClientCertificate is { } certificate
                ? new DuisChannel(Tls.DuisTlsProfile.UserOf(certificate), certificate.Subject)
                : null;
            var answer = await handler.HandleAsync(service, rented.AsMemory(0, length), channel, context.RequestAborted);
            try
            {
                context.Response.StatusCode = answer.HttpStatus;
                context.Response.ContentType = answer.ContentType;
                context.Response.ContentLength = answer.Body.Length;
                // Kestrel copies the bytes into its own buffers by the time the write completes.
                await context.Response.Body.WriteAsync(answer.Body, context.RequestAborted);
            }
            finally
            {
                answer.Release();
            }
            metrics.Latency.WithLabels(service.Label()).Observe(Stopwatch.GetElapsedTime(started).TotalSeconds);
            metrics.Requests.WithLabels(service.Label(), answer.ResponseCode, OutcomeLabels[(int)answer.Outcome]).Inc();
            // One line per request: accepted ones too, each refusal once (its reason from the handler).
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (answer.Reason is { } reason)
                LogRefusal(logger, service.Label(), answer.RequestId ?? "-", answer.ResponseCode, ms, reason);
            else
                LogAnswer(logger, service.Label(), answer.RequestId ?? "-", answer.ResponseCode, answer.Outcome, ms);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    // The metric's outcome label, made once per outcome rather than per request.
    private static readonly string[] OutcomeLabels = [.. Enum.GetValues<AnswerOutcome>().OrderBy(o => (int)o).Select(o => o.ToString().ToLowerInvariant())];

    private static bool IsXml(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media) &&
        (media.MediaType.Equals("application/xml", StringComparison.OrdinalIgnoreCase) ||
         media.MediaType.Equals("text/xml", StringComparison.OrdinalIgnoreCase));

    private static async Task<(byte[] Buffer, int Length)> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        // Kestrel enforces MaxRequestBodySize while we read (413 on overflow, chunked or not).
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Clamp(request.ContentLength ?? 16 * 1024, 1024, 4 * 1024 * 1024));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }
                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0) return (buffer, length);
                length += read;
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private static async Task WritePlainAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(text + "\n", context.RequestAborted);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "service{Service} {RequestId} answered {ResponseCode} ({Outcome}) in {Milliseconds:0.0} ms")]
    private static partial void LogAnswer(ILogger logger, string service, string requestId, string responseCode, AnswerOutcome outcome, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "service{Service} {RequestId} refused {ResponseCode} in {Milliseconds:0.0} ms: {Reason}")]
    private static partial void LogRefusal(ILogger logger, string service, string requestId, string responseCode, double milliseconds, string reason);
}

using System.Xml;
using Microsoft.Extensions.Logging;
using OpenDuis.Core.Requests;
using OpenDuis.Core.Transactions;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;
using OpenDuis.Protocol.Xml;
using OpenDuis.Server.Endpoints;

namespace OpenDuis.Server.Requests;

/// <summary>
/// The request path of the three services, in this order (each step names its code):
/// <list type="number">
/// <item>secure load (R-MSG-5) — refused XML is HTTP 400 with the reason: there is no Request ID to answer to;</item>
/// <item>structure (R-MSG-1) — a header or body the DUIS message reader rejects is HTTP 400 naming the element;</item>
/// <item>signature (R-MSG-3) — E100, and E100 too when the certificate is not the originator's;</item>
/// <item>signer role — E65 when the certificate is not an xmlSign Organisation Certificate (DSP xmlSign for requests the DCC originates);</item>
/// <item>schema (R-MSG-4), when the official XSDs are configured — HTTP 400 listing the XSD errors;</item>
/// <item>web service (R-WS-1) — E13 when the Command Variant belongs on another service;</item>
/// <item>the database — while it cannot be written (<see cref="StorageHealth"/>) a request is not admitted: HTTP 503
/// with the reason, never an I99 for what cannot be recorded;</item>
/// <item>duplicate Request ID still in process — E55 (<see cref="IRequestsInProcess"/>: with the access-control
/// pipeline, its request log, which records the request only when the pipeline admits it);</item>
/// <item>the access-control and validation pipeline (<see cref="IRequestAdmission"/>); a refused request leaves no trace;
/// an admitted one's life is its <see cref="RequestLease"/>, carried with its command;</item>
/// <item>a device request for the SM WAN is recorded (its command, request-log entry and SMETS1 counter, in one
/// transaction) before it is acknowledged, any other request its entry before it is answered; one that cannot be
/// recorded is HTTP 503 with the reason, not I99 or I0;</item>
/// <item>the answer: I0 with data for Non-Device requests that return data, I99 for the rest; a device request
/// goes to the Smart Metering WAN (<see cref="IDeviceNetwork"/>, when one is configured), which answers I99 or
/// its synchronous answer (a Pre-Command, a Command for Local Delivery, a refusal such as E51 or E50) and
/// later writes the device's Service Response to the outbox. An inventory change that could not be stored
/// whole (R-WS-2: the change and its DCC Alerts commit together) is HTTP 503 with the reason, nothing kept.</item>
/// </list>
/// Every DUIS answer is signed with the DSP's xmlSign key (role 0x89) in the schema version the
/// request declared.
/// </summary>
internal sealed partial class DuisRequestHandler(
    DuisSecurity security,
    SigningKey dspKey,
    IRequestAdmission admission,
    IRequestsInProcess inProcess,
    RequestSchemaCheck schema,
    NonDeviceServices nonDevice,
    TimeProvider clock,
    ILogger<DuisRequestHandler> logger,
    StorageHealth storage,
    IDeviceNetwork? network = null) : IDuisRequestHandler
{
    // Requests the DCC originates itself (the RTDS set has Access Control Broker requests from the
    // DSP's own ID) carry the DSP's xmlSign signature (0x89); a User's, an xmlSign one (0x87).
    private readonly Func<RequestId, RemotePartyRole> _roleOf = id =>
        id.Originator == dspKey.Certificate.Subject ? RemotePartyRole.DspXmlSign : RemotePartyRole.XmlSign;

    public ValueTask<DuisAnswer> HandleAsync(WebService service, ReadOnlyMemory<byte> body, CancellationToken cancellationToken) =>
        HandleAsync(service, body, channel: null, cancellationToken);

    public async ValueTask<DuisAnswer> HandleAsync(WebService service, ReadOnlyMemory<byte> body, DuisChannel? channel, CancellationToken cancellationToken)
    {
        // One pass over the bytes, no DOM of the message, for a request of the usual shape; the document path for
        // the rest (and when the XSDs are configured, which validate a document), which names each problem.
        XmlDocument? document = null;
        DuisRequest? request;
        VerificationResult? verification;
        try
        {
            // With a network, a Transform's body is built as it is read: the SM WAN remembers it for its Signed Pre-Command (E51).
            // A command sent over the SM WAN is not: the network builds its body, when it reads it at all, from the copy
            // recorded with the command (KeepBytes below), so most device requests never become a document.
            if (schema.Schemas is not null || !security.TryReadSignedRequest(body, _roleOf,
                    bodyElementForDevices: network is not null && service == WebService.Transform, out request, out verification))
            {
                document = security.Load(body);
                if (!DuisRequest.TryRead(document, out request, out var problem))
                    return DuisAnswer.Unreadable($"The request is not a DUIS Request (R-MSG-1): {problem}");
                verification = security.Verify(document, _roleOf(request.RequestId));
            }
        }
        catch (XmlRefusedException e)
        {
            return DuisAnswer.Unreadable($"The request is not acceptable XML (R-MSG-5): {e.Message}");
        }
        try
        {
            if (!verification.IsValid)
            {
                var code = verification.FailureCode == SignatureFailureCode.E65 ? ResponseCode.E65 : ResponseCode.E100;
                return Refuse(request, code, verification.ToString());
            }
            var signer = verification.Signer!.Subject;
            if (signer != request.RequestId.Originator)
            {
                return Refuse(request, ResponseCode.E100, $"signed by {signer}, not by the originator");
            }
            // The duis profile binds the connection to a User (DCCKI, R-WS-3): another User's request on it fails authentication.
            if (channel is not null && channel.User != signer)
            {
                return Refuse(request, ResponseCode.E100, $"signed by {signer} but sent over a TLS connection authenticated as {channel.Subject}");
            }

            if (document is not null && schema.Schemas?.Validate(document) is { IsValid: false } invalid)
                return DuisAnswer.Unreadable($"The request does not validate against the DUIS {request.SchemaVersion} XSD (R-MSG-4): {invalid}");

            if (request.CommandVariant.WebService() != service)
            {
                return Refuse(request, ResponseCode.E13, $"Command Variant {request.CommandVariant.ToXsd()} belongs on {request.CommandVariant.WebService().Path()}, not {service.Path()}");
            }

            if (storage.Current is { } failing)
                return Unrecordable(request, failing.ToString());

            if (inProcess.TryBegin(request.RequestId) is not { } lease)
                return Acknowledge(request, ResponseCode.E55);

            var deviceRequest = request.Definition is { NonDevice: false };
            // Non-Device requests and Commands for Local Delivery only are answered here and now; the rest end in the SM WAN.
            var answeredAtOnce = !deviceRequest || !request.CommandVariant.SendsOverSmWan();
            var failed = false;
            try
            {
                var verdict = admission.Evaluate(new AuthenticatedRequest(request, service, signer, clock.GetUtcNow()));
                if (!verdict.IsAccepted)
                {
                    return Refuse(request, verdict.RefusedWith!.Value, verdict.Reason ?? "");
                }
                lease.Admitted();
                if (deviceRequest)
                {
                    var command = new DeviceCommand(request, signer, clock.GetUtcNow()) { Lease = lease };
                    // Durable before it is acknowledged: after a crash the command is executed again, with the same
                    // ResponseID, or ends in its failure alert; a SMETS1 request's counter (E63) is kept with it.
                    var accepted = network is not null && request.CommandVariant.SendsOverSmWan() ? command.ToAccepted(body) : null;
                    await lease.RecordAsync(accepted, cancellationToken);
                    if (network is null) return Acknowledge(request, ResponseCode.I99);
                    // The SM WAN keeps the command after the answer, when these bytes are reused: its body comes from the recorded copy.
                    if (accepted is not null) request.KeepBytes(accepted.RequestXml);
                    var acceptance = await network.AcceptAsync(command, cancellationToken);
                    // Another node owns the Device (a database several nodes share): it executes the command and ends the request.
                    lease.HandOver();
                    return acceptance.Answer is { } answer ? Sign(answer, acceptance.Code) : Acknowledge(request, acceptance.Code);
                }

                // Its entry is committed before it is answered or changes anything (on a database several nodes share, as its
                // claim: E55 across nodes): a request the database cannot record is HTTP 503, never I0 or I99.
                await lease.RecordAsync(null, cancellationToken);
                var result = await nonDevice.AnswerAsync(request, cancellationToken);
                return result.Payload is null
                    ? Acknowledge(request, result.Code)
                    : Sign(DuisResponse.CreateServiceResponse(request.SchemaVersion, request.RequestId, null, result.Code,
                        clock.GetUtcNow(), request.ServiceReference, request.ServiceReferenceVariant, result.Payload), result.Code);
            }
            catch (Core.Inventory.InventoryChangeFailedException e)
            {
                // R-WS-2: the change and what it raises were rolled back together; the User is told so, not sent I0.
                failed = true;
                LogNotApplied(logger, e, request.RequestId.ToString());
                return DuisAnswer.NotApplied($"Request {request.RequestId}: {e.Message}");
            }
            catch (RequestRefusedException e)
            {
                // Another node holds the Request ID (E55) or a higher SMETS1 counter (E63): nothing of it is kept here.
                lease.Abandon();
                return Refuse(request, e.Code, e.Message);
            }
            catch (RequestNotRecordedException e)
            {
                // Not acknowledged: what cannot be recorded would not survive a crash.
                failed = true;
                LogNotRecorded(logger, request.RequestId.ToString(), e.Message);
                return DuisAnswer.NotApplied($"Request {request.RequestId}: {e.Message}");
            }
            catch when (lease.IsAdmitted)
            {
                failed = true;
                throw;
            }
            finally
            {
                // A request sent over the SM WAN stays in process until the network ends its lease (its Service Response
                // or failure alert is produced), or without a network until the hold passes; one answered here ends now
                // (a second Complete by the network is ignored); a refused one was never admitted.
                if (!lease.IsAdmitted) lease.Abandon();
                else if (failed || answeredAtOnce) lease.Complete(succeeded: !failed);
            }
        }
        finally
        {
            // The endpoint reuses the bytes once answered: a body or signature not built by now is not built from them.
            request.ReleaseBytes();
        }
    }

    // Logged once, by the endpoint's line for the request (Request ID, code, reason, time).
    private DuisAnswer Refuse(DuisRequest request, ResponseCode code, string reason) =>
        Acknowledge(request, code, reason);

    private DuisAnswer Unrecordable(DuisRequest request, string reason)
    {
        LogUnrecordable(logger, request.RequestId.ToString(), reason);
        return DuisAnswer.NotApplied($"Request {request.RequestId} was not accepted: the DCC cannot record it ({reason}). Nothing was acknowledged; send it again once /health reports ok.");
    }

    private DuisAnswer Acknowledge(DuisRequest request, ResponseCode code, string? reason = null) =>
        Sign(DuisResponse.CreateAcknowledgement(request, code, clock.GetUtcNow()), code, reason);

    // Signed into a pooled buffer the endpoint returns once it has written it (DuisAnswer.Release).
    private DuisAnswer Sign(DuisResponse response, ResponseCode code, string? reason = null)
    {
        var rented = response.ToSignedPooled(dspKey, out var length);
        var outcome = code == ResponseCode.I0 || code == ResponseCode.I99 ? AnswerOutcome.Accepted : AnswerOutcome.Rejected;
        return DuisAnswer.Pooled(rented, length, code.ToString(), outcome, response.RequestId?.ToString(), reason);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Request {RequestId} was not applied: its change could not be stored whole and was rolled back")]
    private static partial void LogNotApplied(ILogger logger, Exception exception, string requestId);

    // The database's failure itself is logged once by StorageHealthLog; this names the request, without a stack trace.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Request {RequestId} was not acknowledged: {Reason}")]
    private static partial void LogNotRecorded(ILogger logger, string requestId, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Request {RequestId} not admitted, the database failing: {Reason}")]
    private static partial void LogUnrecordable(ILogger logger, string requestId, string reason);
}

/// <summary>The official XSDs requests are validated against, when configured (R-MSG-4).</summary>
internal sealed record RequestSchemaCheck(OpenDuis.Protocol.Schema.DuisSchemas? Schemas);

using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Xml;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;
using OpenDuis.Protocol.Xml;
using OpenDuis.Server.Delivery;
using OpenDuis.Storage;

namespace OpenDuis.Cli.Commands;

/// <summary>
/// <c>send --wait</c>: the User's registered response endpoint, listened on by send itself while it waits for the
/// device's answer to the request it sent (matched by Request ID). The answer is acknowledged once its DSP signature
/// verifies; anything else arriving meanwhile is answered 503, so the DCC's outbox sends it again later.
/// </summary>
internal sealed class DeviceAnswer : IAsyncDisposable
{
    private readonly ResponseListener _listener;
    private readonly TimeSpan _timeout;
    private readonly ReceivedGbcs _gbcs;
    private readonly ConcurrentDictionary<RequestId, TaskCompletionSource<(DuisResponse Response, XmlDocument Document, byte[] Body, string Signer)>> _awaited = new();

    private DeviceAnswer(ResponseListener listener, TimeSpan timeout, ReceivedGbcs gbcs) => (_listener, _timeout, _gbcs) = (listener, timeout, gbcs);

    /// <summary>Listens on the User's endpoint; null (the reason written to <paramref name="error"/>) when send cannot.</summary>
    public static async Task<DeviceAnswer?> ListenAsync(DataFolder folder, Eui user, DuisSecurity security, TimeSpan timeout, TextWriter error,
        CancellationToken cancellationToken)
    {
        if (timeout <= TimeSpan.Zero)
        {
            error.WriteLine("--wait: give the seconds to wait, more than 0.");
            return null;
        }
        Uri? endpoint;
        await using (var store = await folder.OpenStoreAsync(cancellationToken))
            endpoint = (await store.FindUserAsync(user, cancellationToken))?.ResponseEndpoint;
        if (endpoint is null || endpoint.Scheme != Uri.UriSchemeHttp || !endpoint.IsLoopback)
        {
            error.WriteLine($"--wait: {user}'s response endpoint is {endpoint?.ToString() ?? "not set"}; send can wait only on a loopback http one " +
                "(openduis users endpoint USER http://127.0.0.1:PORT/), else run openduis listen where it is.");
            return null;
        }
        var gbcs = await ReceivedGbcs.LoadAsync(folder, null, cancellationToken);
        DeviceAnswer? self = null;
        try
        {
            var listener = await ResponseListener.StartAsync(IPAddress.Loopback, endpoint.Port, message =>
            {
                try
                {
                    var document = security.Load(message.Body);
                    var verification = security.Verify(document, RemotePartyRole.DspXmlSign);
                    if (verification.IsValid && DuisResponse.TryRead(document, out var response, out _)
                        && response.RequestId is { } id && self!._awaited.TryGetValue(id, out var waiting))
                    {
                        waiting.TrySetResult((response, document, message.Body, verification.Signer?.ToString() ?? ""));
                        return ValueTask.FromResult(200);
                    }
                }
                catch (XmlRefusedException) { }
                return ValueTask.FromResult(503);
            }, cancellationToken: cancellationToken);
            return self = new DeviceAnswer(listener, timeout, gbcs);
        }
        catch (IOException e)
        {
            error.WriteLine($"--wait: cannot listen on {endpoint} ({e.Message.TrimEnd('.')}); if openduis listen runs there, it prints the verified answer.");
            return null;
        }
    }

    /// <summary>Takes the answer to <paramref name="request"/> from now on (call before sending it: the answer may come before the acknowledgement is read).</summary>
    public void Expect(RequestId request) => _awaited.GetOrAdd(request, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));

    /// <summary>Waits for the answer to <paramref name="request"/> and prints it with its GBCS verdicts: 0 verified, 4 not in time or not verified.</summary>
    public async Task<int> PrintAsync(RequestId request, TextWriter output, CancellationToken cancellationToken)
    {
        var waiting = _awaited.GetOrAdd(request, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));
        output.WriteLine($"Waiting up to {_timeout.TotalSeconds:0} s for the device's answer at {_listener.Address}");
        (DuisResponse Response, XmlDocument Document, byte[] Body, string Signer) answer;
        try { answer = await waiting.Task.WaitAsync(_timeout, cancellationToken); }
        catch (TimeoutException)
        {
            output.WriteLine($"⇐ no answer to {request} within {_timeout.TotalSeconds:0} s.");
            return 4;
        }
        var response = answer.Response;
        var kind = response.BodyKind == ResponseBodyKind.DeviceAlertMessage ? $"Device Alert 0x{response.DeviceAlert!.AlertCode:X4}" : response.BodyKind.ToString();
        output.WriteLine($"⇐ {response.ResponseCode} {ResponseCodes.MeaningOf(response.ResponseCode)} {kind} ResponseID {response.ResponseId} (signature verified: {answer.Signer})");
        var (lines, valid) = _gbcs.Check(answer.Document);
        foreach (var line in lines) output.WriteLine(line);
        output.WriteLine(Encoding.UTF8.GetString(answer.Body));
        return valid ? 0 : 4;
    }

    public ValueTask DisposeAsync() => _listener.DisposeAsync();
}

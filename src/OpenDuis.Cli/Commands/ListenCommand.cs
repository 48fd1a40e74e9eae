using OpenDuis.Protocol.Domain;
using System.CommandLine;
using System.Net;
using System.Text;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Signing;
using OpenDuis.Protocol.Xml;
using OpenDuis.Server.Delivery;
using OpenDuis.Storage;

namespace OpenDuis.Cli.Commands;

/// <summary>
/// <c>openduis listen --port N [--data DIR] [--dccki-user EUI]</c>: a User's response endpoint. Verifies
/// the DSP's signature on each message that arrives and prints it; accepts (HTTP 200) only what
/// verifies. With <c>--dccki-user</c> it serves https on the duis profile (R-WS-3) with that User's
/// certificate from the data folder's demo DCCKI, and requires the DCC's DCCKI client certificate.
/// Each GBCS payload's MAC, Device signature and encrypted payloads are checked as the User checks them
/// (<see cref="ReceivedGbcs"/>, keys from <c>--keys</c> or the data folder), one verdict line each.
/// With <c>--parse</c> each GBCS payload received is printed beside it as the MMC GBCSResponse XML. A SMETS1
/// Device's response or alert also gets the verdict on the S1SP's signature, and with <c>--parse</c> its MMC body
/// as the same GBCSResponse document.
/// </summary>
internal static class ListenCommand
{
    public static Command Create()
    {
        var data = InitCommand.DataOption();
        var port = new Option<int>("--port") { Description = "TCP port on 127.0.0.1 to receive on.", Required = true };
        var dcckiUser = new Option<string?>("--dccki-user")
        {
            Description = "Serve https on the duis profile as this User (EUI-64), with its certificate from the data folder's demo DCCKI; the DCC must present its DCCKI client certificate.",
        };
        var parseGbcs = new Option<bool>("--parse") { Description = "Also print each GBCS payload received, and each SMETS1 response's MMC body, as the MMC GBCSResponse XML (openduis parse)." };
        var keys = SignCommand.KeysOption();
        var listen = new Command("listen", "Receive Service Responses and DCC Alerts as a User's endpoint: verify the DSP's signature, and of each GBCS payload " +
            "the MAC (the User's key-agreement key, the Device's certificate), the Device's signature and the encrypted payloads, and of a SMETS1 response the S1SP's signature, one line each; print; acknowledge.")
        { port, data, dcckiUser, parseGbcs, keys };
        listen.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var folder = DataFolder.Resolve(parse.GetValue(data));
            folder.EnsureInitialised();
            ExitCodes.EnsurePortFree(IPAddress.Loopback, parse.GetValue(port), "--port");
            EndpointTls? tls = null;
            if (parse.GetValue(dcckiUser) is { } userText)
            {
                var files = new OpenDuis.Server.Tls.DcckiFiles(Path.Combine(folder.Path, "dccki"));
                if (!OpenDuis.Protocol.Domain.Eui.TryParse(userText, out var user))
                {
                    parse.InvocationConfiguration.Error.WriteLine($"--dccki-user '{userText}' is not an EUI-64 User ID.");
                    return 1;
                }
                if (!File.Exists(files.ClientCertificate(user)))
                {
                    parse.InvocationConfiguration.Error.WriteLine($"--dccki-user {user}: no DCCKI certificate at {files.ClientCertificate(user)} (start `openduis serve --profile duis` once to issue the demo DCCKI).");
                    return 1;
                }
                tls = EndpointTls.Load(files, user);
            }
            var security = new DuisSecurity(folder.LoadKeys());
            var gbcs = await ReceivedGbcs.LoadAsync(folder, parse.GetValue(keys)?.FullName, cancellationToken);
            var gate = new Lock();
            var printMmc = parse.GetValue(parseGbcs);
            await using var listener = await ResponseListener.StartAsync(IPAddress.Loopback, parse.GetValue(port), message =>
            {
                string verdict;
                int status;
                List<string> parsed = [];
                List<string> gbcsVerdicts = [];
                try
                {
                    var document = security.Load(message.Body);
                    if (printMmc)
                        foreach (var payload in GbcsInput.PayloadsWithVariant(document))
                            parsed.Add(GbcsInput.TryRender(payload.Message, out var xml, out var why, serviceReferenceVariant: payload.Variant) ? xml : $"parse: {why}.");
                    var verification = security.Verify(document, RemotePartyRole.DspXmlSign);
                    gbcsVerdicts = gbcs.Check(document).Lines;
                    if (verification.IsValid && DuisResponse.TryRead(document, out var response, out var problem))
                    {
                        verdict = $"{response.ResponseCode} ({ResponseCodes.MeaningOf(response.ResponseCode)}) {response.BodyKind} RequestID={response.RequestId} ResponseID={response.ResponseId} (signature verified: {verification.Signer})";
                        // R-S1-1: a SMETS1 Device's response or alert carries the S1SP's own signature over its own document.
                        if (Smets1Response.ExtractSignedResponse(document) is { } signed)
                        {
                            var s1sp = security.Verify(signed, RemotePartyRole.XmlSign);
                            verdict += s1sp.IsValid ? $" (S1SP signature verified: {s1sp.Signer})" : $" (S1SP signature refused: {s1sp})";
                            if (printMmc && Smets1Response.ToMmcDocument(signed) is { } mmc) parsed.Add(mmc.OuterXml);
                        }
                        status = 200;
                    }
                    else
                    {
                        verdict = verification.IsValid ? "not a DUIS Response" : $"signature refused: {verification}";
                        status = 400;
                    }
                }
                catch (XmlRefusedException e)
                {
                    verdict = $"refused XML: {e.Message}";
                    status = 400;
                }
                lock (gate)
                {
                    output.WriteLine($"{message.ReceivedAt:O} POST {message.Path} → {status}: {verdict}");
                    foreach (var line in gbcsVerdicts) output.WriteLine(line);
                    output.WriteLine(Encoding.UTF8.GetString(message.Body));
                    foreach (var mmc in parsed) output.WriteLine(mmc);
                }
                return ValueTask.FromResult(status);
            }, cancellationToken: cancellationToken, tls: tls);
            output.WriteLine($"Listening on {listener.Address} (register it with: openduis users endpoint USER {listener.Address})");
            try { await Task.Delay(Timeout.Infinite, cancellationToken); }
            catch (OperationCanceledException) { }
            return 0;
        });
        return listen;
    }
}

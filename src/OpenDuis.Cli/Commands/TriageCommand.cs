using System.CommandLine;
using OpenDuis.Core.Triage;

namespace OpenDuis.Cli.Commands;

/// <summary><c>openduis triage check</c>: is a declared Triage System Interface what SEC G12 requires, and does its TLS endpoint ask for a client certificate?</summary>
internal static class TriageCommand
{
    private const int Refused = 1;
    private const int BadInput = 2;

    public static Command Create()
    {
        var triage = new Command("triage", "Triage System Interface checks (SEC G12, as amended by MP260).");
        triage.Subcommands.Add(CreateCheck());
        return triage;
    }

    private static Command CreateCheck()
    {
        var protocol = new Option<string>("--protocol") { Description = "The link's protocol as declared: TLS or IPsec (anything else is refused).", Required = true };
        var clientAuth = new Option<bool>("--client-auth") { Description = "The TLS link includes client authentication." };
        var ipsec = new Option<string>("--ipsec-protection") { Description = "IPsec only: esp (default) or ah.", DefaultValueFactory = _ => "esp" };
        ipsec.AcceptOnlyFromAmong("esp", "ah");
        var probe = new Option<string?>("--probe") { Description = "host:port of the live TLS endpoint, to confirm it asks for a client certificate." };
        var timeout = new Option<int>("--timeout") { Description = "Probe timeout in seconds.", DefaultValueFactory = _ => 10 };

        var check = new Command("check", "Check a declared triage link configuration and, optionally, probe its TLS endpoint.")
        {
            protocol, clientAuth, ipsec, probe, timeout,
        };
        check.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var declaration = new TriageLinkDeclaration(parse.GetValue(protocol)!, parse.GetValue(clientAuth),
                parse.GetValue(ipsec) == "ah" ? IpsecProtection.AuthenticationHeaderOnly : IpsecProtection.Esp);
            var ruling = TriageLinkRules.Check(declaration);
            if (!ruling.IsAllowed)
            {
                error.WriteLine($"Refused ({ruling.Refusal.Clause}): {ruling.Refusal.Reason}.");
                return Refused;
            }
            output.WriteLine($"Declared configuration conforms to {TriageLinkRules.Clause}: {(ruling.Value == TriageLinkProtocol.Tls ? "TLS with client authentication" : "IPsec (ESP)")}.");

            if (parse.GetValue(probe) is not { } target) return 0;
            if (ruling.Value != TriageLinkProtocol.Tls)
            {
                error.WriteLine("--probe checks a TLS endpoint; the declared link is IPsec.");
                return BadInput;
            }
            var colon = target.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(target[(colon + 1)..], out var port) || port is < 1 or > 65535)
            {
                error.WriteLine($"--probe: '{target}' is not host:port.");
                return BadInput;
            }
            if (parse.GetValue(timeout) is var seconds and < 1)
            {
                error.WriteLine("--timeout must be at least 1 second.");
                return BadInput;
            }
            var result = await TlsClientAuthProbe.ProbeAsync(target[..colon].Trim('[', ']'), port, TimeSpan.FromSeconds(parse.GetValue(timeout)), ct);
            var judged = TlsClientAuthProbe.Judge(result);
            if (!judged.IsAllowed)
            {
                error.WriteLine($"Refused ({judged.Refusal.Clause}): {judged.Refusal.Reason}.");
                return Refused;
            }
            output.WriteLine($"{result.Endpoint} asked for a client certificate ({result.NegotiatedProtocol?.ToString() ?? "handshake ended: " + result.HandshakeError}; server {result.ServerCertificateSubject}).");
            return 0;
        });
        return check;
    }
}

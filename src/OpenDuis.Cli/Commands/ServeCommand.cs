using System.CommandLine;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OpenDuis.OperatorConsole;
using OpenDuis.Core.MapReports;
using OpenDuis.Core.Requests;
using OpenDuis.Core.SmkiRepository;
using OpenDuis.Server.Hosting;
using OpenDuis.Server.MapReports;
using OpenDuis.Server.SmkiRepository;
using OpenDuis.Server.SmWan;
using OpenDuis.Storage;

namespace OpenDuis.Cli.Commands;

/// <summary>
/// <c>openduis serve [--data DIR] [--profile dev|duis] [--port N]</c>: runs the DUIS web services
/// until interrupted, with the emulated SM WAN answering device requests (unless --no-network). A
/// fresh data folder is first initialised with the demo environment.
/// </summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var data = InitCommand.DataOption();
        // Spelt as the README spells it (dev|duis), not as the enum's members.
        var profile = new Option<string>("--profile")
        {
            Description = "dev: plain HTTP on loopback (as DCC Boxed); duis: TLS 1.2, TLS_RSA_WITH_AES_128_GCM_SHA256 only, DCCKI client certificates.",
            DefaultValueFactory = _ => "dev",
        };
        profile.AcceptOnlyFromAmong("dev", "duis");
        var port = new Option<int>("--port")
        {
            Description = $"TCP port (default {ServerOptions.DefaultPort}; 0 picks a free one).",
            DefaultValueFactory = _ => ServerOptions.DefaultPort,
        };
        var address = new Option<string>("--address")
        {
            Description = "IPv4 address to listen on (default 127.0.0.1).",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        var metricsToken = new Option<string?>("--metrics-token")
        {
            Description = "Serve /metrics only with 'Authorization: Bearer TOKEN' (default $OPENDUIS_METRICS_TOKEN); without it /metrics is as open as --address.",
        };
        var jsonLogs = new Option<bool>("--json-logs") { Description = "Write structured logs, one JSON object per line." };
        var logLevel = new Option<string>("--log-level")
        {
            Description = "The least severe log lines written: information (default: a line per request, with its Request ID, code and time), warning, error, debug, trace.",
            DefaultValueFactory = _ => "information",
        };
        logLevel.AcceptOnlyFromAmong("trace", "debug", "information", "warning", "error", "critical", "none");
        var schemas = new Option<DirectoryInfo?>("--schemas")
        {
            Description = "Folder of the official DUIS XSDs ('DUIS Schema V5.4.xsd' …) to validate requests against (R-MSG-4); default $OPENDUIS_SCHEMAS, else structural checks only.",
        };
        var lease = new Option<int>("--delivery-lease")
        {
            Description = "Seconds an outbox message stays reserved for a delivery attempt; after a crash it is sent again once this passes (default 30).",
            DefaultValueFactory = _ => 30,
        };
        var smkiPort = new Option<int>("--smki-port")
        {
            Description = $"TCP port of the SMKI Repository service, beside the DUIS services (default {SmkiRepositoryServer.DefaultPort}, as on DCC Boxed; 0 picks a free one).",
            DefaultValueFactory = _ => SmkiRepositoryServer.DefaultPort,
        };
        var reportsPort = new Option<int?>("--reports-port")
        {
            Description = $"Also serve the H17 report download (GET /reports/h17/{{id}}, recipient's download key as Bearer) on this TCP port (e.g. {H17ReportServer.DefaultPort}; 0 picks a free one).",
        };
        var latency = new Option<int>("--device-latency")
        {
            Description = "Milliseconds the emulated SM WAN takes to bring a device's response (default 50).",
            DefaultValueFactory = _ => 50,
        };
        var rtds = new Option<DirectoryInfo?>("--rtds")
        {
            Description = "Folder of RTDS GBCS messages (<use case>/*_GBCS.HEX) the emulated devices replay for Message Codes they have no encoder for; default $OPENDUIS_RTDS.",
        };
        var consolePort = new Option<int>("--console-port")
        {
            Description = "With --profile duis: the plain-HTTP loopback port of the operator console and the admin API, which a browser cannot reach through the duis profile (default 8078; 0 picks a free one).",
            DefaultValueFactory = _ => 8078,
        };
        var templates = new Option<DirectoryInfo?>("--templates")
        {
            Description = "Folder of RTDS request templates the operator console's Send page offers; default $OPENDUIS_TEMPLATES.",
        };
        var nodeName = new Option<string?>("--node")
        {
            Description = "This node's name among several sharing one PostgreSQL database: the owner of its claims and queued commands, in /health and each request's log lines (default $OPENDUIS_NODE, else the machine's name and the process id).",
        };
        var nodeLease = new Option<int>("--node-lease")
        {
            Description = "Seconds a node's queued commands and emulated Devices stay its own without a renewal (renewed every third of it): how long a dead node's Devices wait before the others take them over.",
            DefaultValueFactory = _ => (int)OpenDuis.Core.AccessControl.DurableRequestLog.CommandLease.TotalSeconds,
        };
        var sequenceWait = new Option<int>("--sequence-wait")
        {
            Description = "Seconds a sequenced request waits for its preceding request's response before it fails with E44 (the Wait Period, DUIS 3.4.3; default 60).",
            DefaultValueFactory = _ => 60,
        };
        var responseTimeout = new Option<int>("--response-timeout")
        {
            Description = "Seconds the DCC waits for a Device's response before it reports none came (E21, E30, E31; default 30).",
            DefaultValueFactory = _ => (int)new OpenDuis.Network.Execution.SmWanExecutionOptions().ResponseTimeout.TotalSeconds,
        };
        var noNetwork = new Option<bool>("--no-network") { Description = "Only acknowledge device requests (I99): no emulated SM WAN, no device responses." };
        var serve = new Command("serve", "Run the DUIS web services (serviceS, serviceT, serviceD), /health and /metrics, and the SMKI Repository service, until interrupted.")
        {
            data, profile, port, address, metricsToken, jsonLogs, logLevel, lease, schemas, smkiPort, reportsPort, latency, rtds, templates, consolePort, nodeName, nodeLease, sequenceWait, responseTimeout, noNetwork,
        };
        serve.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            if (!IPAddress.TryParse(parse.GetValue(address), out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            {
                parse.InvocationConfiguration.Error.WriteLine($"--address {parse.GetValue(address)}: an IPv4 address is required (R-WS-3).");
                return 1;
            }
            var givenNode = parse.GetValue(nodeName) ?? Environment.GetEnvironmentVariable("OPENDUIS_NODE");
            NodeName? node = null;
            if (givenNode is not null && !NodeName.TryParse(givenNode, out node, out var notANode))
            {
                parse.InvocationConfiguration.Error.WriteLine($"--node: {notANode}");
                return 1;
            }
            if (parse.GetValue(nodeLease) is < 3 or > 3600)
            {
                parse.InvocationConfiguration.Error.WriteLine($"--node-lease {parse.GetValue(nodeLease)}: a lease of 3 to 3600 seconds is required.");
                return 1;
            }
            ExitCodes.EnsurePortFree(ip, parse.GetValue(port), "--port");
            ExitCodes.EnsurePortFree(ip, parse.GetValue(smkiPort), "--smki-port");
            if (parse.GetValue(reportsPort) is { } probeReports) ExitCodes.EnsurePortFree(ip, probeReports, "--reports-port");
            // Said at once: opening a large inventory can take a while before the server listens.
            output.WriteLine($"OpenDUIS starting on {ip}:{parse.GetValue(port)} with the data folder {DataFolder.Resolve(parse.GetValue(data)).Path} …");
            var clock = TimeProvider.System;
            await using var host = await DataFolderHost.OpenAsync(DataFolder.Resolve(parse.GetValue(data)), clock, cancellationToken, initialise: true, node: node,
                nodeLease: TimeSpan.FromSeconds(parse.GetValue(nodeLease)));
            if (host.Folder.DescribeTightened(host.Tightened) is { } tightened) parse.InvocationConfiguration.Error.WriteLine(tightened);
            if (host.DeviceKeys.Store.Imported > 0)
                output.WriteLine($"Device keys of {host.DeviceKeys.Store.Imported} Device(s) imported from {host.Folder.DeviceKeysPath} into the database, shared by every node (that folder is only read now).");
            var chosen = parse.GetValue(profile) == "duis" ? ConnectionProfile.Duis : ConnectionProfile.Dev;
            var options = new ServerOptions
            {
                Profile = chosen,
                Address = ip,
                Port = parse.GetValue(port),
                Dccki = chosen == ConnectionProfile.Duis ? host.EnsureDemoDccki(clock) : null,
                JsonLogs = parse.GetValue(jsonLogs),
                MinimumLogLevel = Enum.Parse<Microsoft.Extensions.Logging.LogLevel>(parse.GetValue(logLevel)!, ignoreCase: true),
                MetricsToken = parse.GetValue(metricsToken) is { Length: > 0 } token ? token
                    : Environment.GetEnvironmentVariable("OPENDUIS_METRICS_TOKEN") is { Length: > 0 } fromEnvironment ? fromEnvironment : null,
                Delivery = new OpenDuis.Server.Delivery.OutboxDeliveryOptions { Lease = TimeSpan.FromSeconds(Math.Clamp(parse.GetValue(lease), 1, 3600)) },
                OperatorPort = chosen == ConnectionProfile.Duis ? parse.GetValue(consolePort) : null,
                Node = host.Node,
            };
            var schemaFolder = parse.GetValue(schemas)?.FullName ?? Environment.GetEnvironmentVariable("OPENDUIS_SCHEMAS");
            var xsds = string.IsNullOrEmpty(schemaFolder) ? null : OpenDuis.Protocol.Schema.DuisSchemas.Load(schemaFolder);
            var rtdsFolder = parse.GetValue(rtds)?.FullName ?? Environment.GetEnvironmentVariable("OPENDUIS_RTDS");
            var network = parse.GetValue(noNetwork) ? null : new OpenDuis.Network.EmulatedSmWanOptions
            {
                Latency = TimeSpan.FromMilliseconds(Math.Clamp(parse.GetValue(latency), 0, 600_000)),
                RtdsFolder = string.IsNullOrEmpty(rtdsFolder) ? null : rtdsFolder,
            };
            IReadOnlyList<AnomalyThreshold> thresholds;
            IReadOnlyList<Core.Alerts.AttributeLimit> limits;
            try { (thresholds, limits) = (AnomalyThresholdFile.Load(host.Folder.Path), AnomalyAttributeLimitFile.Load(host.Folder.Path)); }
            catch (InvalidDataException e)
            {
                parse.InvocationConfiguration.Error.WriteLine(e.Message);
                return 1;
            }
            var templatesFolder = parse.GetValue(templates)?.FullName ?? Environment.GetEnvironmentVariable("OPENDUIS_TEMPLATES");
            var console = new ConsoleOptions(host.Folder.Path, host.Store.Description, string.IsNullOrEmpty(templatesFolder) ? null : templatesFolder,
                chosen == ConnectionProfile.Duis ? ConsoleAccess.EnsureToken(host.Folder.Path) : null);
            var execution = new OpenDuis.Network.Execution.SmWanExecutionOptions
            {
                SequenceWaitPeriod = TimeSpan.FromSeconds(Math.Clamp(parse.GetValue(sequenceWait), 1, 86_400)),
                ResponseTimeout = TimeSpan.FromSeconds(Math.Clamp(parse.GetValue(responseTimeout), 1, 86_400)),
            };
            await using var server = await DuisServer.StartAsync(options, services =>
            {
                var openDuis = services.AddOpenDuis(host, xsds)
                    .AddAnomalyDetection(o =>
                    {
                        o.Thresholds.AddRange(thresholds);
                        o.AttributeLimits.AddRange(limits);
                    })
                    .AddOperatorConsole(console);
                if (network is not null)
                    openDuis.AddSmWan(o =>
                    {
                        o.Network = network;
                        o.Execution = execution;
                    });
            }, cancellationToken);
            output.WriteLine($"OpenDUIS serving {server.ListenAddress} ({chosen.ToString().ToLowerInvariant()} profile), data folder {host.Folder.Path}, store {host.Store.Description}, node {options.Node}");
            output.WriteLine(MetricsExposure(server));
            output.WriteLine($"  operator console {new Uri(server.OperatorAddress ?? server.BaseAddress, ConsoleOptions.Root + "/")}" +
                (console.Token is null ? " (loopback only)" : $" (loopback only; operator token in {ConsoleAccess.TokenPath(host.Folder.Path)})"));
            await using var smki = await SmkiRepositoryServer.StartAsync(SmkiRepositoryService.FromKeyStore(host.Keys, devices: host.DeviceKeys), ip, parse.GetValue(smkiPort), cancellationToken: cancellationToken);
            output.WriteLine($"  SMKI Repository {smki.ListenAddress} ({SmkiRepositoryEndpoints.SearchPath}, {SmkiRepositoryEndpoints.RetrievePath})");
            await using var reports = parse.GetValue(reportsPort) is { } rp
                ? await H17ReportServer.StartAsync(host.Stores.H17Reports, ip, rp, cancellationToken: cancellationToken)
                : null;
            if (reports is not null) output.WriteLine($"  H17 report download {reports.ListenAddress}reports/h17/{{id}}");
            output.WriteLine(network is null ? "  device requests acknowledged only (--no-network)"
                : $"  emulated SM WAN: device responses after {network.Latency.TotalMilliseconds:0} ms{(network.RtdsFolder is { } f ? $", RTDS GBCS replayed from {f}" : "")}");
            if (thresholds.Count > 0) output.WriteLine($"  {thresholds.Count} Anomaly Detection Thresholds from {AnomalyThresholdFile.PathIn(host.Folder.Path)}");
            output.WriteLine(xsds is null ? "  requests checked structurally (no --schemas)" : $"  requests validated against the DUIS XSDs in {xsds.Folder}");
            if (options.Dccki is { } dccki) output.WriteLine($"  DCCKI CA {dccki.CaCertificate}; client certificates in {Path.Combine(dccki.Directory, "users")}");
            await server.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return serve;
    }

    /// <summary>Who can read /metrics: it is served on the listen address, so as exposed as the DUIS services.</summary>
    private static string MetricsExposure(DuisServer server)
    {
        var metrics = new Uri(server.ListenAddress, "metrics");
        if (server.Options.MetricsToken is not null) return $"  {metrics} needs the bearer token (--metrics-token)";
        return IPAddress.IsLoopback(server.Options.Address)
            ? $"  {metrics} open to this machine only (loopback)"
            : $"  {metrics} open to anyone who can reach {server.Options.Address} (give --metrics-token to require a bearer token)";
    }
}

using System.CommandLine;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OpenDuis.Core.MapReports;
using OpenDuis.Core.SmkiRepository;
using OpenDuis.Server.Hosting;
using OpenDuis.Server.MapReports;
using OpenDuis.Server.SmkiRepository;
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
        var profile = new Option<ConnectionProfile>("--profile")
        {
            Description = "dev: plain HTTP on loopback (as DCC Boxed); duis: TLS 1.2, TLS_RSA_WITH_AES_128_GCM_SHA256 only, DCCKI client certificates.",
            DefaultValueFactory = _ => ConnectionProfile.Dev,
        };
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
        var jsonLogs = new Option<bool>("--json-logs") { Description = "Write structured logs, one JSON object per line." };
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
        var noNetwork = new Option<bool>("--no-network") { Description = "Only acknowledge device requests (I99): no emulated SM WAN, no device responses." };
        var serve = new Command("serve", "Run the DUIS web services (serviceS, serviceT, serviceD), /health and /metrics, and the SMKI Repository service, until interrupted.")
        {
            data, profile, port, address, jsonLogs, lease, schemas, smkiPort, reportsPort, latency, rtds, noNetwork,
        };
        serve.SetAction(async (parse, cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            if (!IPAddress.TryParse(parse.GetValue(address), out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            {
                parse.InvocationConfiguration.Error.WriteLine($"--address {parse.GetValue(address)}: an IPv4 address is required (R-WS-3).");
                return 1;
            }
            var clock = TimeProvider.System;
            await using var host = await DataFolderHost.OpenAsync(DataFolder.Resolve(parse.GetValue(data)), clock, cancellationToken);
            var chosen = parse.GetValue(profile);
            var options = new ServerOptions
            {
                Profile = chosen,
                Address = ip,
                Port = parse.GetValue(port),
                Dccki = chosen == ConnectionProfile.Duis ? host.EnsureDemoDccki(clock) : null,
                JsonLogs = parse.GetValue(jsonLogs),
                Delivery = new OpenDuis.Server.Delivery.OutboxDeliveryOptions { Lease = TimeSpan.FromSeconds(Math.Clamp(parse.GetValue(lease), 1, 3600)) },
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
            await using var server = await DuisServer.StartAsync(options, services => services.AddSingleton(new AnomalyAttributeLimits(limits))
                .AddOpenDuis(host.Parts(xsds) with { Network = network, AnomalyThresholds = thresholds }), cancellationToken);
            output.WriteLine($"OpenDUIS serving {server.BaseAddress} ({chosen.ToString().ToLowerInvariant()} profile), data folder {host.Folder.Path}, store {host.Store.Description}");
            await using var smki = await SmkiRepositoryServer.StartAsync(SmkiRepositoryService.FromKeyStore(host.Keys, devices: host.DeviceKeys), ip, parse.GetValue(smkiPort), cancellationToken: cancellationToken);
            output.WriteLine($"  SMKI Repository {smki.BaseAddress} ({SmkiRepositoryEndpoints.SearchPath}, {SmkiRepositoryEndpoints.RetrievePath})");
            await using var reports = parse.GetValue(reportsPort) is { } rp && host.Store is IH17ReportStore h17
                ? await H17ReportServer.StartAsync(h17, ip, rp, cancellationToken: cancellationToken)
                : null;
            if (reports is not null) output.WriteLine($"  H17 report download {reports.BaseAddress}reports/h17/{{id}}");
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
}

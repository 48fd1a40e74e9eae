using System.Net;
using Microsoft.Extensions.Logging;
using OpenDuis.Server.Delivery;
using OpenDuis.Server.Tls;

namespace OpenDuis.Server.Hosting;

/// <summary>The connection profiles of R-WS-3.</summary>
public enum ConnectionProfile
{
    /// <summary>Plain HTTP on loopback, as DCC Boxed serves on port 8079.</summary>
    Dev,
    /// <summary>The DUIS profile: TLS 1.2, TLS_RSA_WITH_AES_128_GCM_SHA256 only, DCCKI client certificates.</summary>
    Duis,
}

public sealed record ServerOptions
{
    /// <summary>DCC Boxed's port, which the dev profile keeps so its clients work unchanged.</summary>
    public const int DefaultPort = 8079;

    public ConnectionProfile Profile { get; init; } = ConnectionProfile.Dev;

    /// <summary>IPv4 only (R-WS-3); loopback unless asked otherwise.</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>0 binds an ephemeral port; read it back from <see cref="DuisServer.BaseAddress"/>.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>Largest request body accepted (R-MSG-5); the largest RTDS request is about 20 KB.</summary>
    public long MaxRequestBodyBytes { get; init; } = 512 * 1024;

    /// <summary>The DCCKI material the duis profile loads (ignored by dev).</summary>
    public DcckiFiles? Dccki { get; init; }

    /// <summary>
    /// A second, plain-HTTP loopback port for the operator's pages (<see cref="OperatorPaths"/>) when the
    /// DUIS port speaks the duis profile, which no browser can use (a DCCKI client certificate and
    /// TLS_RSA suites only). Nothing else is served on it. 0 binds an ephemeral port.
    /// </summary>
    public int? OperatorPort { get; init; }

    /// <summary>What the operator port serves: the console and the admin API.</summary>
    public static readonly string[] OperatorPaths = ["/ui", "/admin"];

    public OutboxDeliveryOptions Delivery { get; init; } = new();

    /// <summary>Structured (JSON) console logs, one object per line, for log collectors.</summary>
    public bool JsonLogs { get; init; }

    public LogLevel MinimumLogLevel { get; init; } = LogLevel.Information;

    /// <summary>This node's name, in /health and, when given, as the scope of each request's log lines (several nodes behind one balancer).</summary>
    public Core.Requests.NodeName? Node { get; init; }

    /// <summary>
    /// When set, /metrics answers only with <c>Authorization: Bearer</c> and this token (401 otherwise).
    /// Without it /metrics is as exposed as the listen address: loopback by default, the network with
    /// <c>--address 0.0.0.0</c>.
    /// </summary>
    public string? MetricsToken { get; init; }
}

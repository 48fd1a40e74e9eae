using System.Globalization;
using Microsoft.AspNetCore.Http;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.OperatorConsole.Traffic;

/// <summary>
/// What the Traffic page is narrowed to (each empty field matches everything): the User, the
/// Device, the Service Reference Variant, the Response Code (or DCC Alert Code), the kind, one
/// Request ID (a request and its answers), and a time window in UTC.
/// </summary>
public sealed record TrafficFilter(
    string? User = null, string? Device = null, string? Variant = null, string? Code = null, string? Kind = null,
    string? RequestId = null, DateTimeOffset? From = null, DateTimeOffset? To = null, long Before = 0)
{
    public static readonly TrafficFilter All = new();

    public bool IsEmpty => this with { Before = 0 } == All;

    /// <summary>Whether the list can grow at its top: the newest page, with no end time.</summary>
    public bool IsLive => Before == 0 && To is null;

    public static TrafficFilter Parse(IQueryCollection q) => new(
        Text(q["user"]), Text(q["device"]), Text(q["variant"]), Text(q["code"]), Text(q["kind"]), Text(q["requestId"]),
        Time(q["from"]), Time(q["to"]), long.TryParse(q["before"], out var b) ? b : 0);

    public bool Matches(TrafficMessage m)
    {
        if (From is { } from && m.At < from) return false;
        if (To is { } to && m.At > to) return false;
        if (Kind is { } kind && !m.Kind.ToString().Equals(kind, StringComparison.OrdinalIgnoreCase)) return false;
        if (IsEmpty || (User is null && Device is null && Variant is null && Code is null && RequestId is null)) return true;
        var h = m.Header;
        return Same(User, h.User) && Same(Device, h.Device)
            && (Variant is null || string.Equals(Variant, h.ServiceReferenceVariant, StringComparison.OrdinalIgnoreCase))
            && (Code is null || string.Equals(Code, h.ResponseCode, StringComparison.OrdinalIgnoreCase) || string.Equals(Code, h.AlertCode, StringComparison.OrdinalIgnoreCase))
            && (RequestId is null || (Protocol.Domain.RequestId.TryParse(RequestId, out var id) ? h.RequestId == id : string.Equals(RequestId, h.RequestId?.ToString(), StringComparison.OrdinalIgnoreCase)));
    }

    /// <summary>The query string for these fields (without <see cref="Before"/>), for links and the live stream.</summary>
    public string ToQuery()
    {
        var pairs = new List<string>();
        void Add(string name, string? value) { if (!string.IsNullOrEmpty(value)) pairs.Add(name + "=" + Uri.EscapeDataString(value)); }
        Add("user", User); Add("device", Device); Add("variant", Variant); Add("code", Code); Add("kind", Kind); Add("requestId", RequestId);
        Add("from", From?.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture));
        Add("to", To?.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture));
        return string.Join('&', pairs);
    }

    private static bool Same(string? wanted, Eui? actual) =>
        wanted is null || (actual is { } a && (Eui.TryParse(wanted, out var w) ? a == w : a.ToString().Contains(wanted, StringComparison.OrdinalIgnoreCase)));

    private static string? Text(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    private static DateTimeOffset? Time(string? s) =>
        DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var t)
            ? new DateTimeOffset(t, TimeSpan.Zero) : null;
}

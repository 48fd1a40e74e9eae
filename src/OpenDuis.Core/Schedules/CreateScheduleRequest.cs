using System.Globalization;
using System.Xml;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Core.Schedules;

/// <summary>
/// The body of a 5.1 CreateSchedule request (XSD sr:DSPSchedule), read as written: nothing here
/// is judged yet (see <see cref="ScheduleRequestRules.CheckCreate"/>).
/// </summary>
internal sealed record CreateScheduleRequest(
    ScheduleFrequency Frequency,
    DateOnly StartDate,
    DateOnly? EndDate,
    TimeOnly? ExecutionStartTime,
    byte[]? KaPublicSecurityCredential,
    ServiceReference ScheduledReference,
    ServiceReferenceVariant ScheduledVariant,
    Eui DeviceId,
    XmlElement ScheduledBody)
{
    private static readonly string Sr = DuisNamespaces.ServiceUserGateway;

    /// <summary>
    /// Reads sr:CreateSchedule. The XSD is the first line of defence (R-MSG-4); this reader still
    /// refuses, with the element and the reason, anything it cannot take as the XSD describes.
    /// </summary>
    public static bool TryRead(XmlElement body, out CreateScheduleRequest? request, out string? problem)
    {
        request = null;
        if (body.LocalName != "CreateSchedule" || body.NamespaceURI != Sr) return Fail($"the body is {body.Name}, not sr:CreateSchedule", out problem);
        var children = body.ChildNodes.OfType<XmlElement>().ToList();
        var i = 0;
        XmlElement? Take(string name) => i < children.Count && children[i].LocalName == name && children[i].NamespaceURI == Sr ? children[i++] : null;

        if (Take("ScheduleFrequency") is not { } f || !ScheduleFrequencies.TryParse(f.InnerText.Trim(), out var frequency))
            return Fail("sr:ScheduleFrequency is missing or not Daily, Weekly, Monthly, Quarterly, Half-Yearly or Yearly", out problem);
        if (Take("ScheduleStartDate") is not { } s || !TryParseUtcDate(s.InnerText, out var start))
            return Fail("sr:ScheduleStartDate is missing or not a UTC xs:date", out problem);
        DateOnly? end = null;
        if (Take("ScheduleEndDate") is { } e)
        {
            if (!TryParseUtcDate(e.InnerText, out var d)) return Fail($"sr:ScheduleEndDate '{e.InnerText}' is not a UTC xs:date", out problem);
            end = d;
        }
        TimeOnly? at = null;
        if (Take("ScheduleExecutionStartTime") is { } t)
        {
            if (!TryParseUtcTime(t.InnerText, out var time)) return Fail($"sr:ScheduleExecutionStartTime '{t.InnerText}' is not a UTC xs:time", out problem);
            at = time;
        }
        byte[]? ka = null;
        if (Take("KAPublicSecurityCredential") is { } k)
        {
            try { ka = Convert.FromBase64String(k.InnerText.Trim()); }
            catch (FormatException) { return Fail("sr:KAPublicSecurityCredential is not base64", out problem); }
            if (ka.Length == 0) return Fail("sr:KAPublicSecurityCredential is empty", out problem);
        }
        if (Take("DSPScheduledServiceReference") is not { } r || !ServiceReference.TryParse(r.InnerText.Trim(), out var reference))
            return Fail("sr:DSPScheduledServiceReference is missing or not a Service Reference", out problem);
        if (Take("DSPScheduledServiceReferenceVariant") is not { } v || !ServiceReferenceVariant.TryParse(v.InnerText.Trim(), out var variant))
            return Fail("sr:DSPScheduledServiceReferenceVariant is missing or not a Service Reference Variant", out problem);
        if (Take("DeviceID") is not { } id || !Eui.TryParse(id.InnerText.Trim(), null, out var device))
            return Fail("sr:DeviceID is missing or not an EUI-64", out problem);
        if (i >= children.Count) return Fail("the element of the Service Request to be scheduled is missing after sr:DeviceID", out problem);
        var scheduled = children[i++];
        if (i < children.Count) return Fail($"{children[i].Name} follows the scheduled request element {scheduled.Name}", out problem);

        request = new CreateScheduleRequest(frequency, start, end, at, ka, reference, variant, device, scheduled);
        problem = null;
        return true;
    }

    private static bool Fail(string why, out string? problem)
    {
        problem = why;
        return false;
    }

    // DUIS 3.8.43.2 gives the dates and time in UTC: no offset, or Z.
    private static string UtcLexical(string text)
    {
        var t = text.Trim();
        return t.EndsWith('Z') ? t[..^1] : t;
    }

    private static bool TryParseUtcDate(string text, out DateOnly date) =>
        DateOnly.TryParseExact(UtcLexical(text), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date);

    private static bool TryParseUtcTime(string text, out TimeOnly time) =>
        TimeOnly.TryParseExact(UtcLexical(text), ["HH:mm:ss", "HH:mm:ss.FFFFFFF"], CultureInfo.InvariantCulture, DateTimeStyles.None, out time);
}

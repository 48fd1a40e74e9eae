using OpenDuis.Protocol.Domain;
using System.Globalization;
using System.Text;
using System.Xml;

namespace OpenDuis.Conformance;

/// <summary>
/// The run as JUnit XML, the format CI systems read: one testsuite per role, one testcase per Ref and
/// device generation; a failure carries the reason, N/A, descoped and not executable cases are skipped
/// with theirs. Every value goes through the XML writer, so any text is encoded.
/// </summary>
public static class JUnitReport
{
    public static void Write(ConformanceRun run, Stream output)
    {
        var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false), CloseOutput = false };
        using var xml = XmlWriter.Create(output, settings);
        xml.WriteStartDocument();
        xml.WriteStartElement("testsuites");
        xml.WriteAttributeString("name", $"OpenDUIS conformance: {AppendixR.Clause} Response Code tests against {run.Endpoint}");
        WriteCounts(xml, run.Results);
        xml.WriteAttributeString("time", Seconds(run.FinishedAt - run.StartedAt));
        xml.WriteAttributeString("timestamp", run.StartedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
        foreach (var role in run.Results.GroupBy(r => r.Participant))
        {
            xml.WriteStartElement("testsuite");
            xml.WriteAttributeString("name", role.Key.ToString());
            WriteCounts(xml, [.. role]);
            xml.WriteStartElement("properties");
            Property(xml, "endpoint", run.Endpoint.ToString());
            Property(xml, "user", role.Key.User.ToString());
            Property(xml, "role", role.Key.Role.Code());
            xml.WriteEndElement();
            foreach (var result in role) WriteCase(xml, result);
            xml.WriteEndElement();
        }
        xml.WriteEndElement();
        xml.WriteEndDocument();
    }

    public static void Write(ConformanceRun run, string path)
    {
        using var file = File.Create(path);
        Write(run, file);
    }

    private static void WriteCase(XmlWriter xml, TestCaseResult result)
    {
        xml.WriteStartElement("testcase");
        xml.WriteAttributeString("classname", $"AppendixR.{result.Participant.Role.Code()}");
        xml.WriteAttributeString("name", result.Name);
        xml.WriteAttributeString("time", result.SentAt is { } s && result.AnsweredAt is { } a ? Seconds(a - s) : "0");
        switch (result.Verdict)
        {
            case Verdict.Failed:
                xml.WriteStartElement("failure");
                xml.WriteAttributeString("message", Text(result.Reason));
                xml.WriteAttributeString("type", result.Actual is { } actual && result.Expected is { } expected && actual != expected ? "WrongResponseCode" : "NoValidAnswer");
                xml.WriteString(Text(Details(result)));
                xml.WriteEndElement();
                break;
            case Verdict.NotApplicable or Verdict.Descoped or Verdict.NotExecutable:
                xml.WriteStartElement("skipped");
                xml.WriteAttributeString("message", Text(result.Reason));
                xml.WriteEndElement();
                break;
        }
        if (result.RequestId is not null)
        {
            xml.WriteStartElement("system-out");
            xml.WriteString(Text(Details(result)));
            xml.WriteEndElement();
        }
        xml.WriteEndElement();
    }

    private static string Details(TestCaseResult r) =>
        $"{r.Scenario}\nRequest ID {r.RequestId} posted to {r.PostedTo}\nExpected {r.Expected?.ToString() ?? "-"}, answered {r.Actual?.ToString() ?? "-"}" +
        (r.HttpStatus is { } status ? $" (HTTP {status})" : "");

    private static void WriteCounts(XmlWriter xml, IReadOnlyCollection<TestCaseResult> results)
    {
        xml.WriteAttributeString("tests", results.Count.ToString(CultureInfo.InvariantCulture));
        xml.WriteAttributeString("failures", results.Count(r => r.Verdict == Verdict.Failed).ToString(CultureInfo.InvariantCulture));
        xml.WriteAttributeString("errors", "0");
        xml.WriteAttributeString("skipped", results.Count(r => r.Verdict is Verdict.NotApplicable or Verdict.Descoped or Verdict.NotExecutable).ToString(CultureInfo.InvariantCulture));
    }

    private static void Property(XmlWriter xml, string name, string value)
    {
        xml.WriteStartElement("property");
        xml.WriteAttributeString("name", name);
        xml.WriteAttributeString("value", value);
        xml.WriteEndElement();
    }

    /// <summary>Text as XML 1.0 can carry it: characters it cannot hold (from a hostile answer, say) become U+FFFD.</summary>
    internal static string Text(string text)
    {
        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { builder.Append(text, i++, 2); continue; }
            builder.Append(XmlConvert.IsXmlChar(text[i]) ? text[i] : '\uFFFD');
        }
        return builder.ToString();
    }

    private static string Seconds(TimeSpan t) => Math.Max(0, t.TotalSeconds).ToString("0.###", CultureInfo.InvariantCulture);
}

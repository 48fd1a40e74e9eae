using System.Text;
using System.Text.RegularExpressions;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Messages.Alerts;
using OpenDuis.Protocol.Signing;
using OpenDuis.Protocol.Tests.Messages.Alerts;
using OpenDuis.TestSupport;

namespace OpenDuis.Protocol.Tests.Signing;

/// <summary>
/// What OpenDUIS sends beside the acknowledgement — device responses (sr:GBCSPayload, sr:DSPScheduledMessage), Pre-Commands,
/// Service Responses carrying an element, Device Alerts, every DCC Alert Code, SMETS1 responses and alerts —
/// written and signed without a document (<see cref="DuisResponse.ToSignedBytes"/>) is, but for the signature
/// value, what the document signer writes for the same response, and verifies (OpenDUIS, SignedXml, the DCC Boxed tool).
/// </summary>
public class ResponseSigningCorpusTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 11, 30, 5, 123, TimeSpan.Zero);
    private static SigningKey Dsp => SecurityFixtures.Zaz1.FindXmlSigningKey(SecurityFixtures.Dsp)!;

    [Fact]
    public void Device_responses_to_every_RTDS_request_are_the_document_signers_bytes_and_verify()
    {
        var random = new Random(20);
        var responses = new List<(string, DuisResponse)>();
        var i = 0;
        foreach (var name in SecurityFixtures.TemplateNames())
        {
            var request = DuisRequest.Read(SecurityFixtures.Load(SecurityFixtures.TemplateBytes(name)));
            var responseId = new RequestId(request.RequestId.Target, request.RequestId.Originator, request.RequestId.Counter);
            var gbcs = new byte[i++ % 300];
            random.NextBytes(gbcs);
            ulong? schedule = i % 3 == 0 ? (ulong)random.NextInt64(0, 1_000_000_000_001) : null;
            responses.Add(($"{name} device response", DuisResponse.CreateDeviceResponse(request.SchemaVersion, request.RequestId, responseId, At,
                request.ServiceReference, request.ServiceReferenceVariant, gbcs, schedule)));
            responses.Add(($"{name} Device Alert", DuisResponse.CreateDeviceAlert(request.SchemaVersion, (ushort)random.Next(0, 0x10000), gbcs, At,
                i % 2 == 0 ? request.RequestId : null, responseId)));
            responses.Add(($"{name} Pre-Command", DuisResponse.CreatePreCommandResponse(request.SchemaVersion, request.RequestId, At,
                request.ServiceReference, request.ServiceReferenceVariant, "4.0", gbcs)));
            responses.Add(($"{name} I0 without data", DuisResponse.CreateServiceResponse(request.SchemaVersion, request.RequestId, responseId,
                ResponseCode.I0, At, request.ServiceReference, request.ServiceReferenceVariant, null)));
        }
        Assert.Equal(4 * 297, responses.Count);
        Assert.Empty(Differences(responses));
    }

    [Fact]
    public void Service_responses_carrying_an_element_are_the_document_signers_bytes_and_verify()
    {
        // Laid out with whitespace (dropped as signing drops it), text C14N escapes, attributes out of order, a namespace of its own.
        var payloads = new[]
        {
            "<sr:GBCSPayload xmlns:sr=\"http://www.dccinterface.co.uk/ServiceUserGateway\">3QAAAAAAAA==</sr:GBCSPayload>",
            """
            <sr:DSPInventory xmlns:sr="http://www.dccinterface.co.uk/ServiceUserGateway">
              <sr:Device>
                <sr:DeviceID>00-DB-12-34-56-78-90-A0</sr:DeviceID>
                <sr:DeviceManufacturer>A &amp; B &lt;meters&gt; Ltd&#xD;</sr:DeviceManufacturer>
                <sr:DeviceModel>   </sr:DeviceModel>
              </sr:Device>
            </sr:DSPInventory>
            """,
            "<sr:LocalCommand xmlns:sr=\"http://www.dccinterface.co.uk/ServiceUserGateway\" xmlns:x=\"urn:x\" z=\"&quot;1&#x9;\" a=\"2\" x:b=\"3\"><x:Note>n</x:Note><sr:GBCSPayload>AA==</sr:GBCSPayload></sr:LocalCommand>",
        };
        var responses = new List<(string, DuisResponse)>();
        var reference = ServiceReference.Parse("8.2");
        var variant = ServiceReferenceVariant.Parse("8.2");
        foreach (var (payload, n) in payloads.Select((p, n) => (p, n)))
        {
            var element = SecurityFixtures.Load(payload).DocumentElement!;
            responses.Add(($"payload {n}", DuisResponse.CreateServiceResponse(DuisSchemaVersion.V5_4, RequestId.Parse("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1000"),
                null, ResponseCode.I0, At, reference, variant, element)));
        }
        Assert.Empty(Differences(responses));
    }

    [Fact]
    public void Every_DCC_Alert_Code_and_SMETS1_responses_are_the_document_signers_bytes_and_verify_and_the_DCC_Boxed_tool_validates_them()
    {
        var request = RequestId.Parse("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1000");
        var responseId = RequestId.Parse("90-B3-D5-1F-30-00-00-02:90-B3-D5-1F-30-01-00-00:77");
        var responses = new List<(string, DuisResponse)>();
        foreach (var code in DccAlertCodes.All)
        {
            var throttled = code.Code.Length % 2 == 0;
            responses.Add(($"DCC Alert {code}", DccAlerts.Create(DuisSchemaVersion.V5_4, code, DccAlertBuilderTests.SampleBody(code, Dsp), At,
                requestId: throttled ? request : null, responseId: responseId, throttledAlertSequenceId: throttled ? 3u : null, throttledAlertCount: throttled ? 40u : null)));
        }
        var device = Eui.Parse("00-DB-12-34-56-78-90-A0");
        var user = Eui.Parse("90-B3-D5-1F-30-01-00-00");
        var signed = Smets1Response.Sign(DuisSchemaVersion.V5_4, device, user, 9, ServiceReference.Parse("4.1"), ServiceReferenceVariant.Parse("4.1.1"), At, null, Dsp);
        responses.Add(("SMETS1 response", DuisResponse.CreateSmets1Response(DuisSchemaVersion.V5_4, request, new RequestId(device, user, 1000), ResponseCode.I0, At,
            Smets1Response.Message(signed, ServiceReference.Parse("4.1"), ServiceReferenceVariant.Parse("4.1.1"), 42))));
        var alert = Smets1Response.SignAlert(DuisSchemaVersion.V5_4, device, user, 10, 0x8F30, "Supply <outage> & restore", At, Dsp);
        responses.Add(("SMETS1 alert", DuisResponse.CreateSmets1DeviceAlert(DuisSchemaVersion.V5_4, new RequestId(device, user, 10), At, Smets1Response.AlertMessage(alert))));
        Assert.Empty(Differences(responses));

        // The tool validates against its own 5.1 XSD: the codes DccAlertBuilderTests leaves to the XSD test are left here too.
        var failures = new List<string>();
        foreach (var (name, response) in responses.Where(r => !r.Item1.EndsWith(" N27", StringComparison.Ordinal) && !r.Item1.StartsWith("SMETS1", StringComparison.Ordinal)))
        {
            var validated = DccBoxedTool.Shared.Validate(Encoding.UTF8.GetString(response.ToSignedBytes(Dsp)));
            if (!validated.Succeeded) failures.Add($"{name}: {validated}");
        }
        Assert.Empty(failures);
    }

    [Fact]
    public void A_device_response_written_without_a_document_is_validated_by_the_DCC_Boxed_tool()
    {
        var request = DuisRequest.Read(SecurityFixtures.Load(SecurityFixtures.TemplateBytes("ECS17b_4.1.1_SINGLE_SUCCESS_REQUEST_DUIS.XML")));
        var responseId = new RequestId(request.RequestId.Target, request.RequestId.Originator, request.RequestId.Counter);
        var gbcs = Enumerable.Range(0, 120).Select(b => (byte)b).ToArray();
        foreach (var schedule in new ulong?[] { null, 12 })
        {
            var response = DuisResponse.CreateDeviceResponse(request.SchemaVersion, request.RequestId, responseId, At, request.ServiceReference,
                request.ServiceReferenceVariant, gbcs, schedule);
            var validated = DccBoxedTool.Shared.Validate(Encoding.UTF8.GetString(response.ToSignedBytes(Dsp)));
            Assert.True(validated.Succeeded, validated.ToString());
        }
    }

    /// <summary>Each response written both ways: what differs but the signature value, and what does not verify.</summary>
    private static List<string> Differences(IEnumerable<(string Name, DuisResponse Response)> responses)
    {
        var failures = new List<string>();
        foreach (var (name, response) in responses)
        {
            var direct = response.ToSignedBytes(Dsp);
            var fromDocument = DuisSigner.SignAndSerialise(response.ToXmlDocument(), Dsp);
            if (WithoutSignatureValue(direct) != WithoutSignatureValue(fromDocument))
                failures.Add($"{name}: the bytes differ\n{Encoding.UTF8.GetString(direct)}\n{Encoding.UTF8.GetString(fromDocument)}");
            var result = DuisSignatureVerifier.Verify(SecurityFixtures.Load(direct), SecurityFixtures.Zaz1, RemotePartyRole.DspXmlSign);
            if (!result.IsValid) failures.Add($"{name}: {result}");
            // SignedXml is asked only of a message with one signature (an S1SP's signed body carries a second, its own),
            // and must say of it what it says of the document signer's (it refuses some escaped text that C14N writes).
            if (Regex.Count(Encoding.UTF8.GetString(direct), "<ds:Signature[ >]") == 1
                && SecurityFixtures.SignedXmlVerifies(direct, SecurityFixtures.Zaz1) != SecurityFixtures.SignedXmlVerifies(fromDocument, SecurityFixtures.Zaz1))
                failures.Add($"{name}: SignedXml tells the two apart");
        }
        return failures;
    }

    private static string WithoutSignatureValue(byte[] bytes) =>
        Regex.Replace(Encoding.UTF8.GetString(bytes), "<ds:SignatureValue>[^<]*</ds:SignatureValue>", "");
}

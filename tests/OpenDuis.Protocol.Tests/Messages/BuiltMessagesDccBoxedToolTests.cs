using System.Xml;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.TestSupport;
using static OpenDuis.Protocol.Tests.Messages.DuisTestXml;

namespace OpenDuis.Protocol.Tests.Messages;

/// <summary>
/// What OpenDUIS writes is accepted by the official DCC Boxed tool: signed by the tool with the ZAZ1
/// key of the RequestID's originator, each built message passes the tool's XSD and signature validation.
/// </summary>
public class BuiltMessagesDccBoxedToolTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private static readonly RequestId Id = RequestId.Parse("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A1:1000");

    private static void AssertToolAccepts(XmlDocument built)
    {
        var signed = DccBoxedTool.Shared.Sign(Serialise(built));
        Assert.True(signed.Succeeded, signed.ToString());
        var valid = DccBoxedTool.Shared.Validate(signed.Output);
        Assert.True(valid.Succeeded, valid.ToString());
        // And OpenDUIS reads the tool's signed output back.
        Assert.NotNull(Parse(signed.Output).DocumentElement);
    }

    [Fact]
    public void Acknowledgement_I99()
    {
        var ack = DuisResponse.CreateAcknowledgement(DuisSchemaVersion.V5_4, Id, new ServiceReference(3, 3), ServiceReferenceVariant.Parse("3.3"), ResponseCode.I99, At);
        AssertToolAccepts(ack.ToXmlDocument());
        Assert.NotNull(DuisResponse.Read(Parse(DccBoxedTool.Shared.Sign(Serialise(ack.ToXmlDocument())).Output)).Signature);
    }

    [Fact]
    public void Signed_pre_command_request()
    {
        var request = DuisRequest.CreateSignedPreCommand(DuisSchemaVersion.V5_4, RequestId.Parse("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1001"),
            CommandVariant.SendSignedPreCommand, ServiceReferenceVariant.Parse("7.1"), new SignedPreCommand(new byte[] { 0xDD, 0x00, 0x01 }));
        AssertToolAccepts(request.ToXmlDocument());
    }

    [Fact]
    public void Reserialised_RTDS_request()
    {
        var request = DuisRequest.Read(Load(Path.Combine(RepoPaths.Templates, "ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML")));
        AssertToolAccepts(request.WithoutSignature().ToXmlDocument());
    }

    [Fact]
    public void DCC_Alert_AD1()
    {
        var doc = new XmlDocument();
        var e = doc.CreateElement("sr", "PowerOutageEvent", DuisNamespaces.ServiceUserGateway);
        foreach (var (n, t) in new[] { ("CommsHubDeviceID", "00-DB-12-34-56-78-90-A2"), ("StartDateTime", "2026-11-25T11:58:00Z"), ("MPxN", "1234567890123") })
        {
            var c = doc.CreateElement("sr", n, DuisNamespaces.ServiceUserGateway);
            c.InnerText = t;
            e.AppendChild(c);
        }
        var alert = DuisResponse.CreateDccAlert(DuisSchemaVersion.V5_4, DccAlertCode.Parse("AD1"), ResponseCode.I0, At, e, requestId: Id);
        AssertToolAccepts(alert.ToXmlDocument());
    }
}

using System.Xml;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Protocol.Tests.Messages;

/// <summary>sr:ExecutionDateTime is read once, by the request, for access control and the SM WAN alike.</summary>
public sealed class ExecutionDateTimeTests
{
    private static DuisRequest WithBody(string bodyXml, CommandVariant cv = CommandVariant.SendNonCritical)
    {
        var doc = new XmlDocument();
        doc.LoadXml($"<sr:Body xmlns:sr=\"{DuisNamespaces.ServiceUserGateway}\">{bodyXml}</sr:Body>");
        var body = (XmlElement)doc.DocumentElement!.FirstChild!;
        var id = RequestId.Parse("90-B3-D5-1F-30-01-00-00:00-DB-12-34-56-78-90-A0:1000", null);
        var variant = ServiceReferenceVariant.Parse("4.1.1");
        return new DuisRequest(DuisSchemaVersion.V5_4, id, cv, variant.Reference, variant, body);
    }

    [Theory]
    [InlineData("2026-12-08T10:00:00Z")]
    [InlineData("2026-12-08T11:00:00+01:00")]
    [InlineData(" 2026-12-08T10:00:00 ")] // no offset: UTC
    public void The_first_child_of_the_body_is_the_execution_time(string text)
    {
        var request = WithBody($"<sr:ReadInstantaneousImportRegisters><sr:ExecutionDateTime>{text}</sr:ExecutionDateTime></sr:ReadInstantaneousImportRegisters>");
        Assert.Equal(new DateTimeOffset(2026, 12, 8, 10, 0, 0, TimeSpan.Zero), request.ExecutionDateTime);
    }

    [Fact]
    public void A_signed_pre_commands_execution_time_is_read_the_same_way()
    {
        var request = WithBody("<sr:SignedPreCommand><sr:ExecutionDateTime>2026-12-08T10:00:00Z</sr:ExecutionDateTime><sr:GBCSPayload>AAE=</sr:GBCSPayload></sr:SignedPreCommand>",
            CommandVariant.SendSignedPreCommand);
        Assert.Equal(new DateTimeOffset(2026, 12, 8, 10, 0, 0, TimeSpan.Zero), request.ExecutionDateTime);
        Assert.Equal(request.ExecutionDateTime, request.SignedPreCommand!.ExecutionDateTime);
    }

    [Theory]
    [InlineData("<sr:ReadInstantaneousImportRegisters/>")]
    [InlineData("<sr:ReadInstantaneousImportRegisters><sr:ExecutionDateTime>tomorrow</sr:ExecutionDateTime></sr:ReadInstantaneousImportRegisters>")]
    [InlineData("<sr:ReadInstantaneousImportRegisters><sr:Other/><sr:ExecutionDateTime>2026-12-08T10:00:00Z</sr:ExecutionDateTime></sr:ReadInstantaneousImportRegisters>")]
    public void No_execution_time_when_absent_unreadable_or_not_first(string body) => Assert.Null(WithBody(body).ExecutionDateTime);
}

using System.Xml;
using OpenDuis.Core.Requests;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Core.Tests.Requests;

/// <summary>Non-Device requests are dispatched by Service Reference Variant to the one service that owns each.</summary>
public sealed class NonDeviceServicesTests
{
    private sealed class Owner(params string[] variants) : INonDeviceService
    {
        public IReadOnlyCollection<ServiceReferenceVariant> Variants { get; } = variants.Select(v => ServiceReferenceVariant.Parse(v)).ToArray();
        public ValueTask<NonDeviceResult> AnswerAsync(DuisRequest request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new NonDeviceResult(ResponseCode.I0, null, $"{request.ServiceReferenceVariant} answered"));
    }

    private static DuisRequest Request(string variant)
    {
        var doc = new XmlDocument();
        var body = doc.CreateElement(DuisNamespaces.ServiceUserGatewayPrefix, "Body", DuisNamespaces.ServiceUserGateway);
        var v = ServiceReferenceVariant.Parse(variant);
        var id = RequestId.Parse("90-B3-D5-1F-30-01-00-00:90-B3-D5-1F-30-00-00-02:1000", null);
        return new DuisRequest(DuisSchemaVersion.V5_4, id, CommandVariant.NonDevice, v.Reference, v, body);
    }

    [Fact]
    public async Task Each_variant_goes_to_its_owner_and_an_unowned_one_is_acknowledged_I99()
    {
        var services = new NonDeviceServices([new Owner("8.2"), new Owner("5.1", "5.2")]);
        Assert.Equal("8.2 answered", (await services.AnswerAsync(Request("8.2"), TestContext.Current.CancellationToken)).Reason);
        Assert.Equal("5.2 answered", (await services.AnswerAsync(Request("5.2"), TestContext.Current.CancellationToken)).Reason);
        Assert.Equal(ResponseCode.I99, (await services.AnswerAsync(Request("12.1"), TestContext.Current.CancellationToken)).Code);
        Assert.False(services.Owns(ServiceReferenceVariant.Parse("12.1")));
    }

    [Theory]
    [InlineData("4.1.1")] // a device request
    [InlineData("99.9")] // not in the catalogue
    public void A_service_cannot_claim_what_the_catalogue_does_not_hold_as_Non_Device(string variant) =>
        Assert.Contains(variant, Assert.Throws<ArgumentException>(() => new NonDeviceServices([new Owner(variant)])).Message);

    [Fact]
    public void Two_services_cannot_own_one_variant() =>
        Assert.Contains("8.2 is claimed by both", Assert.Throws<ArgumentException>(() => new NonDeviceServices([new Owner("8.2"), new Owner("8.2")])).Message);
}

using System.Xml;
using OpenDuis.Core.Schedules;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.TestSupport;

namespace OpenDuis.Core.Tests.Schedules;

/// <summary>The schedulable set and body elements agree with the official 5.4 XSD's sr:DSPSchedule.</summary>
public sealed class ScheduledServicesTests
{
    private const string Xs = "http://www.w3.org/2001/XMLSchema";

    private static XmlDocument Xsd()
    {
        var doc = new XmlDocument();
        doc.Load(Path.Combine(RepoPaths.Schemas54, "DUIS Schema V5.4.xsd"));
        return doc;
    }

    private static XmlElement Named(XmlDocument xsd, string kind, string name) =>
        xsd.GetElementsByTagName(kind, Xs).OfType<XmlElement>().Single(e => e.GetAttribute("name") == name);

    private static readonly List<ServiceRequestDefinition> Schedulable = ServiceCatalogue.All.Where(ScheduledServices.IsSchedulable).ToList();

    [Fact]
    public void The_schedulable_variants_are_the_XSD_s_DSPScheduledServiceReferenceVariant_enumeration()
    {
        var enumeration = Named(Xsd(), "simpleType", "DSPScheduledServiceReferenceVariant")
            .GetElementsByTagName("enumeration", Xs).OfType<XmlElement>().Select(e => e.GetAttribute("value")).Order().ToList();
        Assert.Equal(enumeration, Schedulable.Select(d => d.Variant.ToString()).Order().ToList());
    }

    [Fact]
    public void Each_schedulable_variant_s_body_element_is_in_the_DSPSchedule_choice()
    {
        var choice = Named(Xsd(), "complexType", "DSPSchedule").GetElementsByTagName("choice", Xs).OfType<XmlElement>().Single()
            .GetElementsByTagName("element", Xs).OfType<XmlElement>().Select(e => e.GetAttribute("name")).Order().ToList();
        Assert.Equal(choice, Schedulable.Select(ScheduledServices.BodyElementFor).Order().ToList());
    }

    [Fact]
    public void Sensitive_responses_are_all_schedulable_variants()
    {
        Assert.All(ScheduledServices.SensitiveResponses, v => Assert.Contains(v, Schedulable.Select(d => d.Variant)));
    }
}

using System.Xml;
using OpenDuis.Gbcs.Mmc;
using OpenDuis.Gbcs.Parse;
using OpenDuis.TestSupport;

namespace OpenDuis.Gbcs.Tests;

/// <summary>
/// Where an RTDS 4.5.0 request states a value, the parsed and rendered messages carry the same one:
/// MPANs set by 6.20.1 (twin) and 6.20.2 are those 6.2.7 reads (the single-element 6.20.1 and the gas 6.20.1
/// requests state MPxNs the RTDS reads do not return, so they are no evidence either way); the standing charge and scales 1.1.1 writes are
/// those 4.11.1 reads; the balance adjustment of 1.5 is what its command carries.
/// </summary>
public class RtdsValueAgreementTests
{
    private static string RequestValue(string template, string element)
    {
        var doc = new XmlDocument();
        doc.Load(RepoPaths.ReferencePath("duis-templates", template));
        return doc.GetElementsByTagName(element, "http://www.dccinterface.co.uk/ServiceUserGateway")[0]?.InnerText
            ?? throw new InvalidOperationException($"{template} states no {element}");
    }

    private static XmlDocument Mmc(string name)
    {
        var bytes = Rtds.Read(Rtds.ResponsesAndAlerts().Single(f => Rtds.Name(f) == name));
        var doc = new XmlDocument();
        doc.LoadXml(MmcRenderer.Render(GbcsParser.Parse(bytes), bytes));
        return doc;
    }

    private static string? Value(XmlDocument doc, string element) =>
        doc.GetElementsByTagName(element, MmcRenderer.Namespace) is { Count: > 0 } list ? list[0]!.InnerText : null;

    [Theory]
    [InlineData("ECS39a_6.20.1_TWIN_SUCCESS_REQUEST_DUIS.XML", "ImportMPAN", "ECS40_6.2.7_TWIN_SUCCESS_RESPONSE_GBCS.HEX", "ImportMPAN")]
    [InlineData("ECS39a_6.20.1_TWIN_SUCCESS_REQUEST_DUIS.XML", "SecondaryImportMPAN", "ECS40_6.2.7_TWIN_SUCCESS_RESPONSE_GBCS.HEX", "SecondaryImportMPAN")]
    [InlineData("ECS39b_6.20.2_SUCCESS_REQUEST_DUIS.XML", "ExportMPAN", "ECS40_6.2.7_SINGLE_SUCCESS_RESPONSE_GBCS.HEX", "ExportMPAN")]
    [InlineData("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", "StandingCharge", "ECS24_4.11.1_SUCCESS_RESPONSE_GBCS.HEX", "StandingCharge")]
    [InlineData("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", "StandingChargeScale", "ECS24_4.11.1_SUCCESS_RESPONSE_GBCS.HEX", "StandingChargeScale")]
    [InlineData("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", "PriceScale", "ECS24_4.11.1_SUCCESS_RESPONSE_GBCS.HEX", "PriceScale")]
    public void A_value_the_request_writes_is_the_value_the_read_returns(string request, string requestElement, string response, string mmcElement)
    {
        Assert.Equal(RequestValue(request, requestElement), Value(Mmc(response), mmcElement));
    }

    [Theory]
    [InlineData("GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", "StandingCharge", "GCS21f_4.11.1_SUCCESS_RESPONSE_GBCS.HEX", "StandingCharge")]
    public void A_gas_tariff_value_the_request_writes_is_the_value_the_read_returns(string request, string requestElement, string response, string mmcElement)
    {
        Assert.Equal(RequestValue(request, requestElement), Value(Mmc(response), mmcElement));
    }

    // ECS01a TOU writes TOU prices 2121, 3127 and 4744; the RTDS 4.11.1 read returns 2121 and then 0s (its block prices and
    // thresholds are neither ECS01a request's either), so only TOU price 1 is evidence. GCS01a TOU's four prices all agree.
    [Theory]
    [InlineData("ECS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", 1, "ECS24_4.11.1_SUCCESS_RESPONSE_GBCS.HEX")]
    [InlineData("GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", 1, "GCS21f_4.11.1_SUCCESS_RESPONSE_GBCS.HEX")]
    [InlineData("GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", 2, "GCS21f_4.11.1_SUCCESS_RESPONSE_GBCS.HEX")]
    [InlineData("GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", 3, "GCS21f_4.11.1_SUCCESS_RESPONSE_GBCS.HEX")]
    [InlineData("GCS01a_1.1.1_IMMEDIATE_TOU_SUCCESS_REQUEST_DUIS.XML", 4, "GCS21f_4.11.1_SUCCESS_RESPONSE_GBCS.HEX")]
    public void A_TOU_price_the_request_writes_is_the_price_the_read_returns(string request, int index, string response)
    {
        Assert.Equal(Indexed(RequestDocument(request), "TOUPrice", "http://www.dccinterface.co.uk/ServiceUserGateway", index),
            Indexed(Mmc(response), "TariffTOUPrice", MmcRenderer.Namespace, index));
    }

    private static XmlDocument RequestDocument(string template)
    {
        var doc = new XmlDocument();
        doc.Load(RepoPaths.ReferencePath("duis-templates", template));
        return doc;
    }

    private static string? Indexed(XmlDocument doc, string element, string ns, int index) =>
        doc.GetElementsByTagName(element, ns).Cast<XmlElement>().FirstOrDefault(e => e.GetAttribute("index") == index.ToString(System.Globalization.CultureInfo.InvariantCulture))?.InnerText;

    [Fact]
    public void The_1_5_commands_carry_the_adjustment_the_requests_state()
    {
        var electricity = GbcsParser.Parse(Rtds.Read(Path.Combine(Rtds.Folder, "1.5_ECS04a", "ECS04a_1.5_SUCCESS_COMMAND_GBCS.HEX")));
        var request = Assert.IsType<DlmsAccessRequest>(electricity.Payload);
        Assert.Contains(request.Data, d => d.IsInteger && d.Text == RequestValue("ECS04a_1.5_SUCCESS_REQUEST_DUIS.XML", "AdjustMeterBalance"));

        // GCS40a: the Prepayment cluster's credit adjustment (ZCL little-endian int32 after issuer event id, start time and type).
        var gas = GbcsParser.Parse(Rtds.Read(Path.Combine(Rtds.Folder, "1.5_GCS40a", "GCS40a_1.5_SUCCESS_COMMAND_GBCS.HEX")));
        var frame = Assert.IsType<GbzPayload>(gas.Payload).Components.Single().Frame!;
        Assert.Equal(0x0705, ((GbzPayload)gas.Payload).Components[0].ClusterId);
        Assert.Equal(int.Parse(RequestValue("GCS40a_1.5_SUCCESS_REQUEST_DUIS.XML", "AdjustMeterBalance"), System.Globalization.CultureInfo.InvariantCulture),
            System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(frame.Payload.Span[9..13]));
    }
}

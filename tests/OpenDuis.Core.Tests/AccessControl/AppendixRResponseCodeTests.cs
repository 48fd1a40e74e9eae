using OpenDuis.Core.AccessControl;
using OpenDuis.Core.AccessControl.Rules;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using static OpenDuis.Core.Tests.AccessControl.AccessFixture;

namespace OpenDuis.Core.Tests.AccessControl;

/// <summary>
/// The User Entry Process Response Code tests (SEC Appendix R 8.1.26, R §10): E11, E13, E19 on a
/// SMETS1 and a SMETS2+ Device, E60 and E61 on a SMETS1 Device, for every User Role; where several
/// errors apply E4 takes precedence, so the MDR's E11 scenario yields E4.
/// </summary>
public sealed class AppendixRResponseCodeTests
{
    public static TheoryData<UserRole, DeviceGeneration> Mandatory() =>
        new(from r in UserRoles.All from g in new[] { DeviceGeneration.Smets1, DeviceGeneration.Smets2Plus } select (r, g));

    public static TheoryData<UserRole> Roles() => new(UserRoles.All);

    private static AccessDecision Evaluate(AccessFixture f, DuisRequest request, WebService? service = null) =>
        f.Pipeline.Evaluate(new AccessRequest(request, service ?? request.CommandVariant.WebService()));

    private static void AssertCode(ResponseCode expected, AccessDecision decision) =>
        Assert.True(decision.Code == expected, $"expected {expected}, got {decision}");

    [Theory, MemberData(nameof(Mandatory)), ResponseCodeTest("E13")]
    public void E13_a_request_posted_to_the_wrong_web_service(UserRole role, DeviceGeneration generation)
    {
        var f = new AccessFixture();
        var (definition, device, cv) = f.AcceptedRequest(role, generation);
        var request = f.Request(definition.Variant.ToString(), UserId(role), device.Id, cv);
        foreach (var wrong in Enum.GetValues<WebService>().Where(s => s != cv.WebService()))
            AssertCode(ResponseCode.E13, Evaluate(f, request, wrong));
        Assert.True(Evaluate(f, request).IsAccepted);
    }

    [Theory, MemberData(nameof(Mandatory)), ResponseCodeTest("E19")]
    public void E19_a_device_that_does_not_exist(UserRole role, DeviceGeneration generation)
    {
        var f = new AccessFixture();
        var (definition, device, cv) = f.AcceptedRequest(role, generation);
        var missing = new Eui(device.Id.Value ^ 0xFF);
        AssertCode(ResponseCode.E19, Evaluate(f, f.Request(definition.Variant.ToString(), UserId(role), missing, cv)));
        Assert.True(Evaluate(f, f.Request(definition.Variant.ToString(), UserId(role), device.Id, cv)).IsAccepted);
    }

    /// <summary>
    /// Every (eligible Service Request, Device of the generation it cannot target) the role may send,
    /// where the same request to a Device it can target is accepted, answers E11 — or E4 where the
    /// role is not authorised for that Device, which takes precedence.
    /// </summary>
    [Theory, MemberData(nameof(Mandatory)), ResponseCodeTest("E11", "E4")]
    public void E11_a_service_request_the_device_type_cannot_take(UserRole role, DeviceGeneration generation)
    {
        var f = new AccessFixture();
        var codes = new List<ResponseCode>();
        foreach (var (definition, _, cv) in f.Accepted(role, generation).DistinctBy(a => a.Definition))
        foreach (var other in Devices(generation).Where(d => !definition.Targets(d.Type)))
            codes.Add(Evaluate(f, f.Request(definition.Variant.ToString(), UserId(role), other.Id, cv)).Code);

        Assert.NotEmpty(codes);
        Assert.All(codes, c => Assert.True(c == ResponseCode.E11 || c == ResponseCode.E4, $"{c}"));
        if (role == UserRole.MeterDataRetriever)
            Assert.DoesNotContain(ResponseCode.E11, codes); // Appendix R: "E11 cannot be generated for MDR"; E4 instead.
        else
            Assert.Contains(ResponseCode.E11, codes);
    }

    [Theory, MemberData(nameof(Roles)), ResponseCodeTest("E4")]
    public void E11_for_the_meter_data_retriever_yields_E4(UserRole role)
    {
        if (role != UserRole.MeterDataRetriever) return;
        var f = new AccessFixture();
        foreach (var generation in new[] { DeviceGeneration.Smets1, DeviceGeneration.Smets2Plus })
        foreach (var device in Devices(generation).Where(d => d.Type != DeviceType.ESME))
            AssertCode(ResponseCode.E4, Evaluate(f, f.Request("4.2", UserId(role), device.Id)));
    }

    /// <summary>
    /// Roles for which no eligible, authorised request is outside the SMETS1 Service Requests as
    /// OpenDUIS knows them (the catalogue records SMETS1 applicability for few variants; see
    /// <see cref="Smets1ServiceRequests"/>): ES and MDR are eligible only for SMETS1 Service Requests,
    /// and the GT's only excluded request (6.24.1) targets an ESME, which is E4 for a gas role.
    /// </summary>
    private static readonly UserRole[] NoNonSmets1Request =
        [UserRole.ExportSupplier, UserRole.MeterDataRetriever, UserRole.GasTransporter];

    [Theory, MemberData(nameof(Roles)), ResponseCodeTest("E60")]
    public void E60_a_service_request_that_is_not_a_smets1_service_request(UserRole role)
    {
        var f = new AccessFixture();
        var cases = (
            from definition in ServiceCatalogue.All
            where !definition.NonDevice && definition.IsEligible(role, DeviceGeneration.Smets1) && !Smets1ServiceRequests.IsSmets1ServiceRequest(definition)
            from device in Devices(DeviceGeneration.Smets1)
            where definition.Targets(device.Type)
            select (definition, device)).ToList();
        var decisions = cases.Select(c => Evaluate(f, f.Request(c.definition.Variant.ToString(), UserId(role), c.device.Id))).ToList();
        if (NoNonSmets1Request.Contains(role))
        {
            Assert.DoesNotContain(decisions, d => d.Code == ResponseCode.E60);
            return;
        }
        Assert.Contains(decisions, d => d.Code == ResponseCode.E60);
        Assert.All(decisions, d => Assert.True(d.Code == ResponseCode.E60 || d.Code == ResponseCode.E4, d.ToString()));
        // The same requests to SMETS2+ Devices of the same type pass the SMETS1 rule.
        var (definition0, device0) = cases.First(c => Evaluate(f, f.Request(c.definition.Variant.ToString(), UserId(role), c.device.Id)).Code == ResponseCode.E60);
        var smets2 = Devices(DeviceGeneration.Smets2Plus).First(d => d.Type == device0.Type);
        Assert.NotEqual(ResponseCode.E60, Evaluate(f, f.Request(definition0.Variant.ToString(), UserId(role), smets2.Id)).Code);
    }

    [Theory, MemberData(nameof(Roles)), ResponseCodeTest("E61")]
    public void E61_a_local_delivery_command_variant_for_a_smets1_service_request(UserRole role)
    {
        var f = new AccessFixture();
        var (definition, device, cv) = f.Accepted(role, DeviceGeneration.Smets1)
            .First(a => a.Definition.CommandVariants.Any(v => v.ReturnsLocalCommand()));
        Assert.True(Evaluate(f, f.Request(definition.Variant.ToString(), UserId(role), device.Id, cv)).IsAccepted);
        foreach (var local in definition.CommandVariants.Where(v => v.ReturnsLocalCommand()))
            AssertCode(ResponseCode.E61, Evaluate(f, f.Request(definition.Variant.ToString(), UserId(role), device.Id, local)));
    }
}

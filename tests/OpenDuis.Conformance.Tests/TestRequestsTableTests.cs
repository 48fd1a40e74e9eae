using OpenDuis.Core.AccessControl.Rules;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Conformance.Tests;

/// <summary>
/// The runner's request table against the service catalogue and the SMETS1 rules: each request is one the
/// role may send (so E2 never masks the code under test) and changes exactly what its scenario names.
/// </summary>
public sealed class TestRequestsTableTests
{
    public static TheoryData<UserRole> Roles() => new(UserRoles.All);

    [Fact]
    public void The_matrix_is_Appendix_R_8_1_26_for_every_role()
    {
        Assert.Equal(["E11", "E13", "E19", "E60", "E61"], AppendixR.ResponseCodeTests.Select(t => t.Ref.ToString()));
        foreach (var role in UserRoles.All)
        {
            Assert.All(AppendixR.ResponseCodeTests.Take(3), t => Assert.Equal(TestScenario.Mandatory, t.ScenarioFor(role)));
            Assert.All(AppendixR.ResponseCodeTests.Skip(3), t => Assert.Equal(TestScenario.MandatorySmets1, t.ScenarioFor(role)));
        }
    }

    [Theory, MemberData(nameof(Roles))]
    public void Each_request_is_eligible_for_the_role_and_realises_its_scenario(UserRole role)
    {
        var r = TestRequests.For(role);
        foreach (var generation in new[] { DeviceGeneration.Smets1, DeviceGeneration.Smets2Plus })
        {
            Assert.True(r.Accepted.Definition.IsEligible(role, generation), $"{r.Accepted} for {role.Code()} on {generation}");
            Assert.True(r.WrongDeviceType.Definition.IsEligible(role, generation), $"{r.WrongDeviceType} for {role.Code()} on {generation}");
        }
        Assert.True(r.Accepted.Definition.Targets(r.Accepted.Target));
        Assert.True(Smets1ServiceRequests.IsSmets1ServiceRequest(r.Accepted.Definition), $"{r.Accepted} must reach a SMETS1 Device for E61");
        Assert.True(r.Accepted.Definition.Allows(TestRequests.Send) && r.Accepted.Definition.Allows(TestRequests.LocalDelivery),
            "CV 1 and CV 2 must both be valid for the request, or E12 would mask E61");
        Assert.False(r.WrongDeviceType.Definition.Targets(r.WrongDeviceType.Target));
        Assert.True(Smets1ServiceRequests.IsSmets1ServiceRequest(r.WrongDeviceType.Definition), "E11's request must not also be E60 on SMETS1");
        Assert.Equal(role == UserRole.MeterDataRetriever ? ResponseCode.E4 : ResponseCode.E11, r.WrongDeviceTypeAnswer);

        // E60: a request of the role outside the SMETS1 Service Requests, or none when the catalogue has none.
        var candidates = ServiceCatalogue.All.Where(d => !d.NonDevice && d.IsEligible(role, DeviceGeneration.Smets1)
            && !Smets1ServiceRequests.IsSmets1ServiceRequest(d)).ToList();
        if (r.NotSmets1 is { } notSmets1)
        {
            Assert.Contains(notSmets1.Definition, candidates);
            Assert.True(notSmets1.Definition.Targets(notSmets1.Target));
            Assert.True(notSmets1.Definition.Allows(TestRequests.Send));
        }
        else
        {
            Assert.Empty(candidates);
        }
        Assert.All([r.Accepted, r.WrongDeviceType, .. r.NotSmets1 is { } n ? [n] : Array.Empty<ServiceChoice>()],
            c => Assert.False(c.Definition.Critical, $"{c} would need a Pre-Command signed"));
    }
}

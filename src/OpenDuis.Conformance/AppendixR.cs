using OpenDuis.Protocol.Domain;

namespace OpenDuis.Conformance;

/// <summary>When a Response Code test must be executed (SEC Appendix R 8.1.26, "Test Scenario").</summary>
public enum TestScenario
{
    /// <summary>Executed on a SMETS1 Device and on a SMETS2+ Device.</summary>
    Mandatory,
    /// <summary>Executed on a SMETS1 Device.</summary>
    MandatorySmets1,
    /// <summary>Executed on a SMETS2+ Device.</summary>
    MandatorySmets2Plus,
    /// <summary>No requirement to test.</summary>
    NotApplicable,
}

/// <summary>One row of the Appendix R 8.1.26 table: the Response Code a User Role must prove it receives, and when.</summary>
public sealed record ResponseCodeTest(ResponseCode Ref, string Name, IReadOnlyDictionary<UserRole, TestScenario> Scenarios)
{
    public TestScenario ScenarioFor(UserRole role) => Scenarios.TryGetValue(role, out var s) ? s : TestScenario.NotApplicable;

    /// <summary>Whether the role must execute the test on a Device of <paramref name="generation"/>.</summary>
    public bool IsRequired(UserRole role, DeviceGeneration generation) => ScenarioFor(role) switch
    {
        TestScenario.Mandatory => true,
        TestScenario.MandatorySmets1 => generation == DeviceGeneration.Smets1,
        TestScenario.MandatorySmets2Plus => generation == DeviceGeneration.Smets2Plus,
        _ => false,
    };

    public override string ToString() => $"{Ref} {Name}";
}

/// <summary>
/// SEC Appendix R 8.1.26 "Response Code Tests" as amended by MP260 (REQUIREMENTS §10): the tests a new
/// Party must execute for each User Role in User Entry Process Tests, unless descoped with the DCC's
/// (or the Panel's) agreement. "In cases where error is generated, the E4 error takes precedence";
/// the MDR role only communicates with an ESME, so its E11 test yields E4.
/// </summary>
public static class AppendixR
{
    public const string Clause = "SEC Appendix R 8.1.26";

    private static IReadOnlyDictionary<UserRole, TestScenario> ForAllRoles(TestScenario scenario) =>
        UserRoles.All.ToDictionary(r => r, _ => scenario);

    public static readonly IReadOnlyList<ResponseCodeTest> ResponseCodeTests =
    [
        new(ResponseCode.E11, "Failed Validation – Invalid Service Request / Device Type combination", ForAllRoles(TestScenario.Mandatory)),
        new(ResponseCode.E13, "Failed Validation – Invalid Request Type for URL", ForAllRoles(TestScenario.Mandatory)),
        new(ResponseCode.E19, "Failed Validation – Device doesn't exist", ForAllRoles(TestScenario.Mandatory)),
        new(ResponseCode.E60, "Failed Validation – Invalid Service Request for SMETS1 Devices", ForAllRoles(TestScenario.MandatorySmets1)),
        new(ResponseCode.E61, "Failed Validation – Invalid Command Variant for SMETS1 Service Request", ForAllRoles(TestScenario.MandatorySmets1)),
    ];

    public static ResponseCodeTest For(ResponseCode reference) =>
        ResponseCodeTests.FirstOrDefault(t => t.Ref == reference)
        ?? throw new ArgumentException($"{reference} is not a Response Code test of {Clause} ({string.Join(", ", ResponseCodeTests.Select(t => t.Ref))}).", nameof(reference));

    public static bool TryFind(string? text, out ResponseCodeTest test)
    {
        test = ResponseCodeTests.FirstOrDefault(t => string.Equals(t.Ref.ToString(), text?.Trim(), StringComparison.OrdinalIgnoreCase))!;
        return test is not null;
    }
}

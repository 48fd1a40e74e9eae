using OpenDuis.Core.AccessControl.Rules;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Registration;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.AccessControl.Checks;

/// <summary>E2: the User holds a role the catalogue makes eligible for the Service Reference Variant.</summary>
internal sealed class RoleForServiceReference : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E2];
    public override string Clause => "DUIS 3.5.10 Table 1 (E2); eligible User Roles of each service definition (3.8), MP260 4.1.1/4.2";
    public override string Rule => "One of the User's roles is eligible for the Service Reference Variant.";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        var user = context.User!;
        var all = UserRoles.All;
        for (var i = 0; i < all.Count; i++)
            if (user.Holds(all[i]) && context.Definition.IsEligible(all[i])) return CheckResult.Pass;
        return CheckResult.Fail(ResponseCode.E2,
            $"User {user.Id} ({string.Join(", ", user.Roles.Select(r => r.Code()).Order())}) holds no role eligible for {context.Definition} ({string.Join(", ", context.Definition.EligibleRoles)}).");
    }
}

/// <summary>E19: the target Device is in the Smart Metering Inventory.</summary>
internal sealed class DeviceExists : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E19];
    public override string Clause => "DUIS 3.5.10 Table 1 (E19)";
    public override string Rule => "For a device request, the Request ID's target is a Device in the Smart Metering Inventory.";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        if (!context.TargetsDevice) return CheckResult.Pass;
        var target = context.Request.RequestId.Target;
        if (!context.Snapshot.TryGetDevice(target, out var device))
            return CheckResult.Fail(ResponseCode.E19, $"Device {target} does not exist in the Smart Metering Inventory.");
        context.Device = device;
        return CheckResult.Pass;
    }
}

/// <summary>E2: a role eligible only for one device generation (MDR for 4.1.1: SMETS1 only) may not address the other.</summary>
internal sealed class RoleForDeviceGeneration : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E2];
    public override string Clause => "MP260 DUIS 3.8.17 (4.1.1: MDR only for SMETS1 Devices); 3.5.10 Table 1 (E2)";
    public override string Rule => "One of the User's roles is eligible for the variant on a Device of the target's generation (SMETS1 or SMETS2+).";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        if (context.Device is not { } device) return CheckResult.Pass;
        var user = context.User!;
        var all = UserRoles.All;
        for (var i = 0; i < all.Count; i++)
            if (user.Holds(all[i]) && context.Definition.IsEligible(all[i], device.Generation)) return CheckResult.Pass;
        return CheckResult.Fail(ResponseCode.E2,
            $"{context.Definition} is available to User {user.Id}'s roles only for other than {device.Generation} Devices ({string.Join(", ", context.Definition.EligibleRoles)}); Device {device.Id} is {device.Generation}.");
    }
}

/// <summary>
/// E4: one of the User's eligible roles is authorised for this Device at the request's date and
/// time (and at its execution date and time, when Future Dated): a Supplier or Network Operator
/// registered for the Device's MPxN, of the role's fuel; roles needing no registration as the
/// catalogue allows. The first such role becomes the acting role.
/// </summary>
internal sealed class UserRoleForDevice : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E4];
    public override string Clause => "DUIS 3.5.10 Table 1 (E4); SEC H4 and Section E (Registration Data); Appendix R 8.1.26 (E4 precedence)";
    public override string Rule => "An eligible role of the User is authorised for the Device at the request time and execution time: its Party is registered for the MPxN (Supplier / Network Operator of that fuel), or the role needs no registration (RSA, OU; MDR for an ESME only).";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        if (context.Device is not { } device) return CheckResult.Pass;
        var user = context.User!;
        var all = UserRoles.All;
        for (var i = 0; i < all.Count; i++)
        {
            var role = all[i];
            if (!user.Holds(role) || !context.Definition.IsEligible(role, device.Generation)) continue;
            if (IsAuthorised(ref context, role, device, context.Now)
                && (context.ExecutionDateTime is not { } at || at <= context.Now || IsAuthorised(ref context, role, device, at)))
            {
                context.ActingRole = role;
                return CheckResult.Pass;
            }
        }
        return CheckResult.Fail(ResponseCode.E4, Explain(ref context, device));
    }

    private static bool IsAuthorised(ref AccessContext context, UserRole role, Device device, DateTimeOffset at)
    {
        var rule = RoleAuthorisation.For(role);
        if (!rule.AllowsType(device.Type)) return false;
        if (rule.Registration is not { } registered) return true;
        if (device.Mpxn is not { } mpxn || (rule.Fuel is { } fuel && mpxn.Fuel != fuel)) return false;
        return context.Snapshot.RegisteredParty(mpxn, registered, at) == context.User!.Party;
    }

    private static string Explain(ref AccessContext context, Device device)
    {
        var user = context.User!;
        var definition = context.Definition;
        var when = context.ExecutionDateTime is { } at && at > context.Now ? $"at {context.Now:O} and at its execution time {at:O}" : $"at {context.Now:O}";
        var mpxn = device.Mpxn is { } m ? $"MPxN {m} ({m.Fuel})" : "no MPxN";
        return $"User {user.Id} of Party {user.Party} is not authorised for {device.Type} {device.Id} ({mpxn}) {when} in any eligible role: " +
            string.Join("; ", UserRoles.All.Where(r => user.Holds(r) && definition.IsEligible(r, device.Generation))
                .Select(r => $"{r.Code()} needs {RoleAuthorisation.For(r).Basis}"));
    }
}

/// <summary>E5: the Device's SMI Status is one the Service Request accepts.</summary>
internal sealed class DeviceStatusForService : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E5];
    public override string Clause => "DUIS 3.5.10 Table 1 (E5); SEC Appendix AC, F2.9, Appendix L (the SMI Status rule table)";
    public override string Rule => "The Device's SMI Status is in the Service Request's row of the SMI Status rules (Commissioned unless the table says more).";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        if (context.Device is not { } device) return CheckResult.Pass;
        var accepted = SmiStatusRules.Accepted(context.Definition);
        return accepted.Contains(device.Status)
            ? CheckResult.Pass
            : CheckResult.Fail(ResponseCode.E5, $"Device {device.Id} is {device.Status}; {context.Definition} accepts only {string.Join(", ", accepted.Members())} Devices.");
    }
}

/// <summary>E11: the Service Request may target a Device of this type.</summary>
internal sealed class DeviceTypeForService : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E11];
    public override string Clause => "DUIS 3.5.10 Table 1 (E11); target device types of each service definition (3.8)";
    public override string Rule => "The target Device's type is among the Service Request's target device types.";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        if (context.Device is not { } device) return CheckResult.Pass;
        return context.Definition.Targets(device.Type)
            ? CheckResult.Pass
            : CheckResult.Fail(ResponseCode.E11, $"{context.Definition} cannot target a {device.Type} (Device {device.Id}); it targets {string.Join(", ", context.Definition.TargetDeviceTypes)}.");
    }
}

/// <summary>E57: the Device Model's GBCS version (Central Products List) supports the Service Request.</summary>
internal sealed class GbcsVersionForDevice : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E57];
    public override string Clause => "DUIS 3.5.10 Table 1 (E57); SEC F2 Central Products List";
    public override string Rule => "For a SMETS2+ Device whose model is on the CPL, the entry's GBCS version is at least the version the Service Request's Use Cases need.";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        if (context.Device is not { Generation: DeviceGeneration.Smets2Plus } device) return CheckResult.Pass;
        if (GbcsApplicability.For(context.Definition) is not { } needed) return CheckResult.Pass;
        if (context.Snapshot.FindProduct(device) is not { } product) return CheckResult.Pass;
        if (Version.TryParse(product.GbcsVersion, out var gbcs) && gbcs >= needed.MinimumGbcs) return CheckResult.Pass;
        return CheckResult.Fail(ResponseCode.E57,
            $"{context.Definition} needs GBCS {needed.MinimumGbcs} or later ({needed.Basis}); Device {device.Id} is a {product.Manufacturer} {product.Model} firmware {product.FirmwareVersion}, GBCS {product.GbcsVersion} on the CPL.");
    }
}

/// <summary>E17: a Command for Local Delivery only for the roles and Device statuses that permit it.</summary>
internal sealed class LocalCommandAvailability : AccessCheck
{
    public override IReadOnlyList<ResponseCode> Codes { get; } = [ResponseCode.E17];
    public override string Clause => "DUIS 3.4.1.1 (Command for Local Delivery) and 3.5.10 Table 1 (E17)";
    public override string Rule => "CV 2, 3, 6, 7 only for a Supplier or Network Operator role, to an Installed Not Commissioned or Commissioned Device.";

    public override CheckResult Evaluate(ref AccessContext context)
    {
        if (!context.Request.CommandVariant.ReturnsLocalCommand() || context.Device is not { } device) return CheckResult.Pass;
        if (context.ActingRole is { } role && !LocalCommandRules.Allows(role))
            return CheckResult.Fail(ResponseCode.E17, $"A Command for Local Delivery (CV {context.Request.CommandVariant.ToXsd()}) is not available to the {role.Code()} role.");
        return LocalCommandRules.Statuses.Contains(device.Status)
            ? CheckResult.Pass
            : CheckResult.Fail(ResponseCode.E17, $"A Command for Local Delivery (CV {context.Request.CommandVariant.ToXsd()}) is not available for Device {device.Id} in SMI Status {device.Status}.");
    }
}

internal static class RegisteredRoles
{
    public static RegisteredRole? Of(UserRole role) =>
        role.IsSupplier() ? RegisteredRole.Supplier : role.IsNetworkOperator() ? RegisteredRole.NetworkOperator : null;
}

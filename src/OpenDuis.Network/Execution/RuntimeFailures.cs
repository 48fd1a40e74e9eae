using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;
using OpenDuis.Protocol.Messages.Alerts;

namespace OpenDuis.Network.Execution;

/// <summary>Why a command accepted by the DCC did not produce its device's response.</summary>
internal enum RuntimeFailure
{
    Unreachable,
    NoResponse,
    FutureDatedNoResponse,
    FutureDatedDspNotExecuted,
    EsmeUndeliverable,
    PreviousFailed,
    PreviousNotReceived,
    PreviousNoDeviceResponse,
    DeviceStatusAtExecution,
}

/// <summary>A runtime failure as the User receives it: the CommandFailure it reports (its DCC Alert Code, DccAlertCatalogue) and its Response Code.</summary>
internal sealed record RuntimeFailureRow(RuntimeFailure Failure, CommandFailureKind Kind, ResponseCode ResponseCode, string Clause)
{
    public DccAlertCode AlertCode => DccAlertCatalogue.CommandFailureCode(Kind);
}

/// <summary>
/// The one table of how the network reports a command that failed after acceptance. Each is a DCC
/// Alert with an sr:CommandFailure body to the request's originator (DUIS 3.9.5), carrying the
/// Response Code of DUIS 3.5.10 Table 1 whose type is "DCC Alert"; its DCC Alert Code is the
/// catalogue's for the failure (<see cref="CommandFailureKind"/>). A command not delivered or not
/// answered (E20, E21) is told apart further by what it was sent to (<see cref="KindFor"/>).
/// </summary>
internal static class RuntimeFailures
{
    public static readonly IReadOnlyList<RuntimeFailureRow> Table =
    [
        new(RuntimeFailure.Unreachable, CommandFailureKind.OnDemandToMeter, ResponseCode.E20, "DUIS 3.5.10 Table 1 E20: DCC Systems cannot establish communications with Device"),
        new(RuntimeFailure.NoResponse, CommandFailureKind.OnDemandToMeter, ResponseCode.E21, "DUIS 3.5.10 Table 1 E21: no Response from Device for an On Demand or Future Dated Command"),
        new(RuntimeFailure.FutureDatedNoResponse, CommandFailureKind.FutureDatedDeviceNoResponse, ResponseCode.E30, "DUIS 3.5.10 Table 1 E30: no Response from Device on the expected date for a Future Dated Command"),
        new(RuntimeFailure.FutureDatedDspNotExecuted, CommandFailureKind.FutureDatedDspNotExecuted, ResponseCode.E31, "DUIS 3.5.10 Table 1 E31: cannot establish communications with or get a response from Device for a Future Dated (DSP) Command"),
        new(RuntimeFailure.EsmeUndeliverable, CommandFailureKind.EsmeUndeliverable, ResponseCode.E58, "DUIS 3.5.10 Table 1 E58: the CHF could not deliver the Command to the ESME (its Alert 0x8F84)"),
        new(RuntimeFailure.PreviousFailed, CommandFailureKind.SequencePreviousFailed, ResponseCode.E43, "DUIS 3.4.3, 3.5.10 Table 1 E43: a previous Request in the sequence failed"),
        new(RuntimeFailure.PreviousNotReceived, CommandFailureKind.SequenceWaitPeriodExpired, ResponseCode.E44, "DUIS 3.4.3, 3.5.10 Table 1 E44: no Response for the previous Request within the Wait Period"),
        new(RuntimeFailure.PreviousNoDeviceResponse, CommandFailureKind.SequencePreviousNoDeviceResponse, ResponseCode.E47, "DUIS 3.4.3, 3.5.10 Table 1 E47: no Response from the device to the previous On Demand Command"),
        new(RuntimeFailure.DeviceStatusAtExecution, CommandFailureKind.DeviceStatusAtExecution, ResponseCode.E5, "DUIS 3.4.2, 3.5.10 Table 1 E5: at its execution date-time the Device's SMI Status no longer allows the held Future Dated (DSP) Command"),
    ];

    public static RuntimeFailureRow Of(RuntimeFailure failure) => Table[(int)failure];

    /// <summary>
    /// The failure <paramref name="failure"/> reports for a command sent to a Device of
    /// <paramref name="type"/> and <paramref name="generation"/> (null when the SMI does not hold it):
    /// an undelivered or unanswered one (E20, E21) by the Device — SMETS1 first, then a Critical
    /// Command, then the Device Type; every other failure by its row.
    /// </summary>
    public static CommandFailureKind KindFor(RuntimeFailure failure, DeviceType? type, DeviceGeneration? generation, bool critical)
    {
        var row = Of(failure);
        if (failure is not (RuntimeFailure.Unreachable or RuntimeFailure.NoResponse)) return row.Kind;
        if (generation == DeviceGeneration.Smets1) return CommandFailureKind.Smets1Device;
        if (critical) return CommandFailureKind.CriticalCommand;
        return type switch
        {
            DeviceType.GSME => CommandFailureKind.OnDemandToGsme,
            DeviceType.CHF => CommandFailureKind.OnDemandToChf,
            DeviceType.GPF => CommandFailureKind.OnDemandToGpf,
            DeviceType.PPMID => CommandFailureKind.OnDemandToPpmid,
            null or DeviceType.ESME => CommandFailureKind.OnDemandToMeter,
            _ => CommandFailureKind.OnDemandToOtherHanDevice,
        };
    }
}

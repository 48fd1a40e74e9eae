using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Network.Execution;

/// <summary>Why a command accepted by the DCC did not produce its device's response.</summary>
public enum RuntimeFailure
{
    Unreachable,
    NoResponse,
    FutureDatedNoResponse,
    FutureDatedDspNotExecuted,
    EsmeUndeliverable,
    PreviousFailed,
    PreviousNotReceived,
    PreviousNoDeviceResponse,
}

/// <summary>A runtime failure as the User receives it: a DCC Alert Code (sr:CommandFailure) and its Response Code.</summary>
public sealed record RuntimeFailureRow(RuntimeFailure Failure, DccAlertCode AlertCode, ResponseCode ResponseCode, string Clause);

/// <summary>
/// The one table of how the network reports a command that failed after acceptance. Each is a DCC
/// Alert with an sr:CommandFailure body to the request's originator (DUIS 3.9.5), carrying the
/// Response Code of DUIS 3.5.10 Table 1 whose type is "DCC Alert". The alert-code table of the DUIS
/// is not among the texts held here: N53 is the code DUIS 3.9.1 ties to the CHF's Alert 0x8F84, and
/// every other failure uses N3, the first CommandFailure code, as the DCC Schedule executor does.
/// </summary>
public static class RuntimeFailures
{
    private static readonly DccAlertCode CommandFailed = DccAlertCode.Parse("N3");

    public static readonly IReadOnlyList<RuntimeFailureRow> Table =
    [
        new(RuntimeFailure.Unreachable, CommandFailed, ResponseCode.E20, "DUIS 3.5.10 Table 1 E20: DCC Systems cannot establish communications with Device"),
        new(RuntimeFailure.NoResponse, CommandFailed, ResponseCode.E21, "DUIS 3.5.10 Table 1 E21: no Response from Device for an On Demand or Future Dated Command"),
        new(RuntimeFailure.FutureDatedNoResponse, CommandFailed, ResponseCode.E30, "DUIS 3.5.10 Table 1 E30: no Response from Device on the expected date for a Future Dated Command"),
        new(RuntimeFailure.FutureDatedDspNotExecuted, CommandFailed, ResponseCode.E31, "DUIS 3.5.10 Table 1 E31: cannot establish communications with or get a response from Device for a Future Dated (DSP) Command"),
        new(RuntimeFailure.EsmeUndeliverable, DccAlertCode.Parse("N53"), ResponseCode.E58, "DUIS 3.5.10 Table 1 E58: the CHF could not deliver the Command to the ESME (its Alert 0x8F84)"),
        new(RuntimeFailure.PreviousFailed, CommandFailed, ResponseCode.E43, "DUIS 3.4.3, 3.5.10 Table 1 E43: a previous Request in the sequence failed"),
        new(RuntimeFailure.PreviousNotReceived, CommandFailed, ResponseCode.E44, "DUIS 3.4.3, 3.5.10 Table 1 E44: no Response for the previous Request within the Wait Period"),
        new(RuntimeFailure.PreviousNoDeviceResponse, CommandFailed, ResponseCode.E47, "DUIS 3.4.3, 3.5.10 Table 1 E47: no Response from the device to the previous On Demand Command"),
    ];

    public static RuntimeFailureRow Of(RuntimeFailure failure) => Table[(int)failure];
}

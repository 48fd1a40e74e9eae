using OpenDuis.Core.Inventory;
using OpenDuis.Core.Parties;
using OpenDuis.Protocol.Catalogue;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Messages;

namespace OpenDuis.Core.AccessControl;

/// <summary>
/// The working state of one pass through the pipeline: the inputs, and what earlier checks
/// established (the User, the Device, the acting role) for later ones to read. Passed by reference,
/// so a request costs no allocation here.
/// </summary>
public struct AccessContext
{
    public required DuisRequest Request;
    public required ServiceRequestDefinition Definition;
    public required AccessRequest Input;
    public required DateTimeOffset Now;
    public required IAccessSnapshot Snapshot;
    public required IRequestLog Log;

    /// <summary>Set by the E1 check.</summary>
    public ServiceUser? User;

    /// <summary>Set by the E19 check for a device request.</summary>
    public Device? Device;

    /// <summary>Set by the E4 check: the User's role the request is authorised under.</summary>
    public UserRole? ActingRole;

    /// <summary>The body's ExecutionDateTime (Future Dated requests), as the request read it.</summary>
    public readonly DateTimeOffset? ExecutionDateTime => Request.ExecutionDateTime;

    /// <summary>Whether the request addresses a Device (not a Non-Device request answered by the DCC).</summary>
    public readonly bool TargetsDevice => !Definition.NonDevice;

    /// <summary>A sequenced request (DUIS 3.4.3): it carries FirstInSequence or a Preceding Request ID.</summary>
    public readonly bool IsSequenced => Request.FirstInSequence is not null || Request.PrecedingRequestId is not null;
}

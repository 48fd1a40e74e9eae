using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.AccessControl;

/// <summary>
/// One access-control or validation rule of the DCC Systems: the Response Code it produces, the
/// clause that defines it, and the rule itself. Checks read the context and never do I/O.
/// </summary>
public abstract class AccessCheck
{
    /// <summary>A short name for logs and the documentation ("UserRoleForDevice").</summary>
    public string Name => GetType().Name;

    /// <summary>The Response Code(s) this check can produce (a service-specific check may have two).</summary>
    public abstract IReadOnlyList<ResponseCode> Codes { get; }

    /// <summary>The DUIS / SEC clause the rule comes from.</summary>
    public abstract string Clause { get; }

    /// <summary>What the check verifies, in one sentence (rendered into docs/response-codes.md).</summary>
    public abstract string Rule { get; }

    public abstract CheckResult Evaluate(ref AccessContext context);

    public override string ToString() => $"{Name} ({string.Join("/", Codes)}; {Clause})";
}

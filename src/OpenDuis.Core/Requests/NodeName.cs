using System.Text.RegularExpressions;

namespace OpenDuis.Core.Requests;

/// <summary>
/// One <c>serve</c> process's name among the nodes sharing a database: the owner of the requests it
/// claims and the commands it queues, shown in /health and its logs. Unique per running node; by default
/// on a shared database the machine's name and the process id, so two nodes on one machine differ and a
/// restarted node is a new one (its predecessor's commands are taken over once their lease runs out; a
/// node restarted under its given name takes its own back at once). A node alone on its database
/// (SQLite) is the machine's name, so a restart takes its commands back at once.
/// </summary>
public sealed partial record NodeName
{
    /// <summary>Kept short and plain: it is written in every claimed row and every log line's scope.</summary>
    public const int MaxLength = 64;

    public string Value { get; }

    private NodeName(string value) => Value = value;

    /// <summary>The machine's name and this process's id.</summary>
    public static NodeName Default { get; } = new($"{Environment.MachineName}-{Environment.ProcessId}");

    /// <summary>The machine's name: a node alone on its database.</summary>
    public static NodeName Machine { get; } = new(Environment.MachineName);

    /// <summary>The name as given, or why it cannot be one (one sentence).</summary>
    public static NodeName Parse(string value) => TryParse(value, out var name, out var reason) ? name : throw new FormatException(reason);

    public static bool TryParse(string? value, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out NodeName? name, out string reason)
    {
        name = null;
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength || !Plain().IsMatch(value))
        {
            reason = $"'{value}' is not a node name: 1 to {MaxLength} letters, digits, '.', '_' or '-'.";
            return false;
        }
        name = new NodeName(value);
        reason = "";
        return true;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex Plain();

    public override string ToString() => Value;
}

namespace OpenDuis.Core.Notices;

/// <summary>
/// A type of notice or communication for which a Party's Party Details may give its own address
/// (M10.3). Names are compared case-insensitively and kept in lower case.
/// </summary>
public readonly record struct NoticeType
{
    public NoticeType(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name.Trim().ToLowerInvariant();
    }

    public string Name { get; }

    /// <summary>Any notice under or in connection with the Code for which no more specific type is named.</summary>
    public static NoticeType General { get; } = new("general");

    public override string ToString() => Name;
}

namespace OpenDuis.Core.Notices;

/// <summary>How a notice between Parties is given (SEC M10.2 as amended by MP260).</summary>
public enum NoticeMethod
{
    /// <summary>M10.2(a) delivered personally.</summary>
    Personal,
    /// <summary>M10.2(a) delivered by courier.</summary>
    Courier,
    /// <summary>M10.2(b) sent by first class prepaid post.</summary>
    Post,
    /// <summary>M10.2(c) sent by email.</summary>
    Email,
    /// <summary>No longer permitted: MP260 removed fax from M10.2(c), M10.3 and M10.4(c). Kept so a fax can be named and refused.</summary>
    Fax,
}

public static class NoticeMethods
{
    public static bool TryParse(string? text, out NoticeMethod method)
    {
        method = default;
        return text is not null
            && !int.TryParse(text, out _)
            && Enum.TryParse(text.Trim(), ignoreCase: true, out method)
            && Enum.IsDefined(method);
    }

    public static string Name(this NoticeMethod method) => method.ToString().ToLowerInvariant();
}

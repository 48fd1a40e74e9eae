using System.Diagnostics.CodeAnalysis;

namespace OpenDuis.Protocol.Domain;

/// <summary>Response code type, from the code's letter prefix (DUIS 3.5.10).</summary>
public enum ResponseCodeType
{
    /// <summary>Prefix I.</summary>
    Information,
    /// <summary>Prefix E.</summary>
    Error,
    /// <summary>Prefix W.</summary>
    Warning,
}

/// <summary>The DUIS response types a code may appear in (DUIS 3.5.10 Table 1, "Applicable to response types").</summary>
[Flags]
public enum ResponseTypes
{
    None = 0,
    /// <summary>The synchronous Acknowledgement of a request.</summary>
    Acknowledgement = 1,
    /// <summary>A Service Response (device or Non-Device).</summary>
    ServiceResponse = 2,
    /// <summary>A DCC Alert.</summary>
    DccAlert = 4,
    /// <summary>A Device Alert forwarded by the DCC.</summary>
    DeviceAlert = 8,
}

/// <summary>
/// A DUIS Response Code (XSD sr:ResponseCode): a letter prefix and a number. Only the values of the
/// XSD enumeration (<see cref="ResponseCodes.All"/>) parse. Service-specific codes are
/// <c>E</c>/<c>W</c> + the service reference's two two-digit parts + a two-digit number
/// (E062801 = 6.28 error 1).
/// </summary>
public readonly record struct ResponseCode : IComparable<ResponseCode>
{
    private readonly string? _code;

    private ResponseCode(string code) => _code = code;

    /// <summary>The code as the XSD writes it ("E062801").</summary>
    public string Code => _code ?? "I0";

    public ResponseCodeType Type => Code[0] switch
    {
        'I' => ResponseCodeType.Information,
        'W' => ResponseCodeType.Warning,
        _ => ResponseCodeType.Error,
    };

    public bool IsSuccess => Type == ResponseCodeType.Information;

    /// <summary>The Table 1 definition, for the common (non service-specific) codes.</summary>
    public ResponseCodeDefinition? Definition => ResponseCodes.DefinitionOf(this);

    /// <summary>Splits a service-specific code (E062801, W050201) into its Service Reference and number.</summary>
    public bool TryGetServiceSpecific(out ServiceReference reference, out int number)
    {
        reference = default;
        number = 0;
        var c = Code;
        if (c.Length != 7) return false;
        var group = (c[1] - '0') * 10 + (c[2] - '0');
        var sr = (c[3] - '0') * 10 + (c[4] - '0');
        number = (c[5] - '0') * 10 + (c[6] - '0');
        reference = new ServiceReference((byte)group, (byte)sr);
        return true;
    }

    public bool IsServiceSpecific => Code.Length == 7;

    public static bool TryParse([NotNullWhen(true)] string? text, out ResponseCode code) => TryParse(text.AsSpan(), out code);

    public static bool TryParse(ReadOnlySpan<char> text, out ResponseCode code)
    {
        var known = ResponseCodes.Lookup(text.Trim());
        code = known ?? default;
        return known is not null;
    }

    public static ResponseCode Parse(string text) =>
        TryParse(text, out var code) ? code : throw new FormatException($"'{text}' is not a DUIS Response Code of the XSD enumeration.");

    internal static ResponseCode Create(string code) => new(code);

    public override string ToString() => Code;

    /// <summary>Orders as the XSD enumeration does.</summary>
    public int CompareTo(ResponseCode other) => ResponseCodes.OrdinalOf(this).CompareTo(ResponseCodes.OrdinalOf(other));

    public bool Equals(ResponseCode other) => string.Equals(Code, other.Code, StringComparison.Ordinal);
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Code);

    // The codes the DCC Systems' own checks produce (DUIS 3.5.10 Table 1).
    public static readonly ResponseCode I0 = new("I0");
    public static readonly ResponseCode I99 = new("I99");
    public static readonly ResponseCode E1 = new("E1");
    public static readonly ResponseCode E2 = new("E2");
    public static readonly ResponseCode E3 = new("E3");
    public static readonly ResponseCode E4 = new("E4");
    public static readonly ResponseCode E5 = new("E5");
    public static readonly ResponseCode E11 = new("E11");
    public static readonly ResponseCode E12 = new("E12");
    public static readonly ResponseCode E13 = new("E13");
    public static readonly ResponseCode E17 = new("E17");
    public static readonly ResponseCode E19 = new("E19");
    public static readonly ResponseCode E20 = new("E20");
    public static readonly ResponseCode E21 = new("E21");
    public static readonly ResponseCode E30 = new("E30");
    public static readonly ResponseCode E31 = new("E31");
    public static readonly ResponseCode E40 = new("E40");
    public static readonly ResponseCode E41 = new("E41");
    public static readonly ResponseCode E42 = new("E42");
    public static readonly ResponseCode E43 = new("E43");
    public static readonly ResponseCode E44 = new("E44");
    public static readonly ResponseCode E45 = new("E45");
    public static readonly ResponseCode E46 = new("E46");
    public static readonly ResponseCode E47 = new("E47");
    public static readonly ResponseCode E48 = new("E48");
    public static readonly ResponseCode E49 = new("E49");
    public static readonly ResponseCode E50 = new("E50");
    public static readonly ResponseCode E51 = new("E51");
    public static readonly ResponseCode E52 = new("E52");
    public static readonly ResponseCode E53 = new("E53");
    public static readonly ResponseCode E54 = new("E54");
    public static readonly ResponseCode E55 = new("E55");
    public static readonly ResponseCode E56 = new("E56");
    public static readonly ResponseCode E57 = new("E57");
    public static readonly ResponseCode E58 = new("E58");
    public static readonly ResponseCode E59 = new("E59");
    public static readonly ResponseCode E60 = new("E60");
    public static readonly ResponseCode E61 = new("E61");
    public static readonly ResponseCode E62 = new("E62");
    public static readonly ResponseCode E63 = new("E63");
    public static readonly ResponseCode E64 = new("E64");
    public static readonly ResponseCode E65 = new("E65");
    public static readonly ResponseCode E66 = new("E66");
    public static readonly ResponseCode E67 = new("E67");
    public static readonly ResponseCode E68 = new("E68");
    public static readonly ResponseCode E69 = new("E69");
    public static readonly ResponseCode E70 = new("E70");
    public static readonly ResponseCode E71 = new("E71");
    public static readonly ResponseCode E100 = new("E100");
}

/// <summary>A row of DUIS 3.5.10 Table 1 (DCC Systems Response Codes), as amended by MP260.</summary>
/// <param name="ErrorHandlingProcedures">The DCC Error Handling Strategy procedures the table names (e.g. W7, Z1).</param>
public sealed record ResponseCodeDefinition(
    ResponseCode Code,
    string Name,
    string Description,
    ResponseTypes AppliesTo,
    IReadOnlyList<string> ErrorHandlingProcedures)
{
    public ResponseCodeType Type => Code.Type;
}

namespace OpenDuis.Protocol.Domain;

/// <summary>
/// The DUIS web services a request can be posted to (DUIS 2.2, R-WS-1): Send Command (S),
/// Transform (T) and Non-Device (D).
/// </summary>
public enum WebService
{
    /// <summary>Send Command (<c>/api/v1/serviceS</c>): CV 1, 3, 5, 7.</summary>
    SendCommand,
    /// <summary>Transform (<c>/api/v1/serviceT</c>): CV 4, returning a Pre-Command.</summary>
    Transform,
    /// <summary>Non-Device / DCC Only (<c>/api/v1/serviceD</c>): CV 2, 6, 8.</summary>
    NonDevice,
}

public static class WebServices
{
    /// <summary>The letter DCC Boxed clients use in the service path (<c>/api/v1/service{letter}</c>).</summary>
    public static char Letter(this WebService service) => service switch
    {
        WebService.SendCommand => 'S',
        WebService.Transform => 'T',
        WebService.NonDevice => 'D',
        _ => throw new ArgumentOutOfRangeException(nameof(service)),
    };

    public static bool TryParseLetter(char letter, out WebService service)
    {
        switch (char.ToUpperInvariant(letter))
        {
            case 'S': service = WebService.SendCommand; return true;
            case 'T': service = WebService.Transform; return true;
            case 'D': service = WebService.NonDevice; return true;
            default: service = default; return false;
        }
    }
}

/// <summary>
/// DUIS Command Variants (XSD sr:CommandVariant and the table in its comment; DUIS 3.4.1.1).
/// Value 9 exists in the XSD but is internal to the DCC Data Systems and never valid in a request.
/// </summary>
public enum CommandVariant : byte
{
    /// <summary>1 — Send (Non-Critical): On Demand or Future Dated, asynchronous response over the SM WAN.</summary>
    SendNonCritical = 1,
    /// <summary>2 — Return for local delivery (Non-Critical): synchronous Command for Local Delivery, no SM WAN.</summary>
    ReturnForLocalDeliveryNonCritical = 2,
    /// <summary>3 — Send and Return for local delivery (Non-Critical).</summary>
    SendAndReturnForLocalDeliveryNonCritical = 3,
    /// <summary>4 — Transform (Critical): the DCC returns a Pre-Command for the User to sign.</summary>
    TransformCritical = 4,
    /// <summary>5 — Send a Signed Pre-Command (Critical).</summary>
    SendSignedPreCommand = 5,
    /// <summary>6 — Return a Signed Pre-Command for local delivery (Critical).</summary>
    ReturnSignedPreCommandForLocalDelivery = 6,
    /// <summary>7 — Send and Return a Signed Pre-Command for local delivery (Critical).</summary>
    SendAndReturnSignedPreCommandForLocalDelivery = 7,
    /// <summary>8 — DCC Only (Non-Device) request answered by a Service Response from the DCC.</summary>
    NonDevice = 8,
}

public static class CommandVariants
{
    public static readonly IReadOnlyList<CommandVariant> All = Enum.GetValues<CommandVariant>();

    /// <summary>Parses the header's text (1–8). "9" is internal to the DCC and refused like any other value.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out CommandVariant variant)
    {
        text = text.Trim();
        if (text.Length == 1 && text[0] is >= '1' and <= '8')
        {
            variant = (CommandVariant)(text[0] - '0');
            return true;
        }
        variant = default;
        return false;
    }

    public static string ToXsd(this CommandVariant variant) => ((byte)variant).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The web service that accepts this command variant (XSD table "Req WS" column; R-WS-1).</summary>
    public static WebService WebService(this CommandVariant variant) => variant switch
    {
        CommandVariant.SendNonCritical or CommandVariant.SendAndReturnForLocalDeliveryNonCritical
            or CommandVariant.SendSignedPreCommand or CommandVariant.SendAndReturnSignedPreCommandForLocalDelivery => Domain.WebService.SendCommand,
        CommandVariant.TransformCritical => Domain.WebService.Transform,
        CommandVariant.ReturnForLocalDeliveryNonCritical or CommandVariant.ReturnSignedPreCommandForLocalDelivery
            or CommandVariant.NonDevice => Domain.WebService.NonDevice,
        _ => throw new ArgumentOutOfRangeException(nameof(variant)),
    };

    /// <summary>Input is a Signed Pre-Command rather than a Service Request (CV 5, 6, 7).</summary>
    public static bool TakesSignedPreCommand(this CommandVariant variant) =>
        variant is CommandVariant.SendSignedPreCommand or CommandVariant.ReturnSignedPreCommandForLocalDelivery
            or CommandVariant.SendAndReturnSignedPreCommandForLocalDelivery;

    /// <summary>Belongs to the Critical command path (CV 4–7, XSD table "Critical" column).</summary>
    public static bool IsCritical(this CommandVariant variant) => variant is >= CommandVariant.TransformCritical and <= CommandVariant.SendAndReturnSignedPreCommandForLocalDelivery;

    /// <summary>The command travels over the SM WAN (CV 1, 3, 5, 7).</summary>
    public static bool SendsOverSmWan(this CommandVariant variant) => variant.WebService() == Domain.WebService.SendCommand;

    /// <summary>A Command for Local Delivery is returned to the User (CV 2, 3, 6, 7).</summary>
    public static bool ReturnsLocalCommand(this CommandVariant variant) =>
        variant is CommandVariant.ReturnForLocalDeliveryNonCritical or CommandVariant.SendAndReturnForLocalDeliveryNonCritical
            or CommandVariant.ReturnSignedPreCommandForLocalDelivery or CommandVariant.SendAndReturnSignedPreCommandForLocalDelivery;

    /// <summary>The DUIS wording of the variant, as the service definitions list it.</summary>
    public static string Description(this CommandVariant variant) => variant switch
    {
        CommandVariant.SendNonCritical => "Send (Non-Critical)",
        CommandVariant.ReturnForLocalDeliveryNonCritical => "Return for local delivery (Non-Critical)",
        CommandVariant.SendAndReturnForLocalDeliveryNonCritical => "Send and Return for local delivery (Non-Critical)",
        CommandVariant.TransformCritical => "Transform (Critical)",
        CommandVariant.SendSignedPreCommand => "Send (Critical)",
        CommandVariant.ReturnSignedPreCommandForLocalDelivery => "Return for local delivery (Critical)",
        CommandVariant.SendAndReturnSignedPreCommandForLocalDelivery => "Send and Return for local delivery (Critical)",
        CommandVariant.NonDevice => "DCC Only (Non-Device)",
        _ => throw new ArgumentOutOfRangeException(nameof(variant)),
    };
}

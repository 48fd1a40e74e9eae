namespace OpenDuis.Server.Endpoints;

/// <summary>
/// The three DUIS web services (R-WS-1; DUIS 2.2) and the paths DCC Boxed clients use for them.
/// Which command variants belong on which service is the catalogue's fact; a request on the wrong
/// service is answered E13.
/// </summary>
public enum DuisWebService
{
    /// <summary>Send Command (serviceS): requests for devices, command variants 1, 3, 5, 7.</summary>
    SendCommand,
    /// <summary>Transform (serviceT): command variant 4, answered with a PreCommand.</summary>
    Transform,
    /// <summary>Non-Device (serviceD): command variants 2, 6, 8.</summary>
    NonDevice,
}

public static class DuisWebServices
{
    public static readonly IReadOnlyList<DuisWebService> All = Enum.GetValues<DuisWebService>();

    public static string Path(this DuisWebService service) => service switch
    {
        DuisWebService.SendCommand => "/api/v1/serviceS",
        DuisWebService.Transform => "/api/v1/serviceT",
        DuisWebService.NonDevice => "/api/v1/serviceD",
        _ => throw new ArgumentOutOfRangeException(nameof(service)),
    };

    /// <summary>The letter of the service in its path, used as the metrics label.</summary>
    public static string Letter(this DuisWebService service) => service switch
    {
        DuisWebService.SendCommand => "S",
        DuisWebService.Transform => "T",
        DuisWebService.NonDevice => "D",
        _ => throw new ArgumentOutOfRangeException(nameof(service)),
    };
}

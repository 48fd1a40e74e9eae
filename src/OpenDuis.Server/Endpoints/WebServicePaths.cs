using OpenDuis.Protocol.Domain;

namespace OpenDuis.Server.Endpoints;

/// <summary>The paths DCC Boxed clients post the three services to (R-WS-1).</summary>
public static class WebServicePaths
{
    public static string Path(this WebService service) => "/api/v1/service" + service.Letter();

    /// <summary>The letter as a metrics label value.</summary>
    public static string Label(this WebService service) => service switch
    {
        WebService.SendCommand => "S",
        WebService.Transform => "T",
        WebService.NonDevice => "D",
        _ => throw new ArgumentOutOfRangeException(nameof(service)),
    };
}

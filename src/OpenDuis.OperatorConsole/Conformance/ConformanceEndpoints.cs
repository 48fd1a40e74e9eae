using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace OpenDuis.OperatorConsole.Conformance;

/// <summary>The Conformance page: run the Appendix R Response Code tests against this server and open the report.</summary>
internal static class ConformanceEndpoints
{
    public static void Map(RouteGroupBuilder ui)
    {
        ui.MapGet("/conformance", () => ConsoleEndpoints.Page<ConformancePage>());
    }
}

/// <summary>The conformance runs the console started.</summary>
public sealed class ConformanceRuns;

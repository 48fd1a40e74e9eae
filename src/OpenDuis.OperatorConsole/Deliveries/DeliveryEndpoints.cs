using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace OpenDuis.OperatorConsole.Deliveries;

/// <summary>The Deliveries page: each User's response endpoint and what the outbox holds for it.</summary>
internal static class DeliveryEndpoints
{
    public static void Map(RouteGroupBuilder ui)
    {
        ui.MapGet("/deliveries", () => ConsoleEndpoints.Page<DeliveriesPage>());
    }
}

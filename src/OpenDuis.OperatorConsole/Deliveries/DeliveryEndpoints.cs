using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using OpenDuis.Core.Outbox;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.OperatorConsole.Deliveries;

/// <summary>The Deliveries page: each User's response endpoint, what the outbox holds for it, its failures, and a retry.</summary>
internal static class DeliveryEndpoints
{
    public static void Map(RouteGroupBuilder ui)
    {
        ui.MapGet("/deliveries", () => ConsoleEndpoints.Page<DeliveriesPage>());
        ui.MapPost("/deliveries/retry", async (HttpContext http, ConsoleContext context, OutboxSignal signal, TimeProvider clock) =>
        {
            var form = await http.Request.ReadFormAsync(http.RequestAborted);
            var text = form["recipient"].ToString();
            Eui? recipient = Eui.TryParse(text, out var user) ? user : null;
            if (text.Length > 0 && recipient is null)
                return ConsoleEndpoints.Page<DeliveriesPage>(new() { ["Outcome"] = $"'{text}' is not a User ID." });
            if (context.Outbox is not { } outbox)
                return ConsoleEndpoints.Page<DeliveriesPage>(new() { ["Outcome"] = "This outbox cannot be inspected." });
            var count = await outbox.RetryNowAsync(recipient, clock.GetUtcNow(), http.RequestAborted);
            // Wake the delivery worker now rather than at its next poll.
            signal.Raise();
            return ConsoleEndpoints.Page<DeliveriesPage>(new() { ["Outcome"] = $"{count} message{(count == 1 ? "" : "s")}{(recipient is { } r ? $" for {r}" : "")} sent again now." });
        });
    }
}

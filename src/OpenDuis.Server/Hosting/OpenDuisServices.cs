using Microsoft.Extensions.DependencyInjection;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Outbox;
using OpenDuis.Core.Requests;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Signing;
using OpenDuis.Server.Endpoints;
using OpenDuis.Server.Requests;

namespace OpenDuis.Server.Hosting;

/// <summary>What a running OpenDUIS needs: keys (the Users' certificates and the DSP's signing key), state and the outbox.</summary>
/// <param name="Admission">The access-control pipeline; everything is admitted when absent.</param>
/// <param name="DspKey">The DSP xmlSign key (role 0x89) answers are signed with; by default the key store's preferred one.</param>
/// <param name="Schemas">The official DUIS XSDs (R-MSG-4); without them requests are checked structurally only.</param>
/// <param name="DeviceRequestHold">How long a device request's ID stays "in process" (E55) when no response ends it.</param>
public sealed record OpenDuisParts(
    KeyStore Keys,
    ISmiStore Store,
    IOutboxStore Outbox,
    IRequestAdmission? Admission = null,
    SigningKey? DspKey = null,
    OpenDuis.Protocol.Schema.DuisSchemas? Schemas = null,
    TimeSpan? DeviceRequestHold = null);

public static class OpenDuisServices
{
    /// <summary>Registers the DUIS request path and asynchronous delivery for <see cref="DuisServer.StartAsync"/>.</summary>
    public static IServiceCollection AddOpenDuis(this IServiceCollection services, OpenDuisParts parts)
    {
        var dspKey = parts.DspKey ?? parts.Keys.FindXmlSigningKey(DemoKeySet.DspEui)
            ?? throw new InvalidOperationException($"The key store has no DSP xmlSign key (role 0x89) for {DemoKeySet.DspEui}: every answer must be signed with it (R-MSG-3).");
        services.AddSingleton(new DuisSecurity(parts.Keys));
        services.AddSingleton(dspKey);
        services.AddSingleton(parts.Admission ?? AdmitAll.Instance);
        services.AddSingleton(new RequestSchemaCheck(parts.Schemas));
        services.AddSingleton(sp => new InProcessRequests(sp.GetRequiredService<TimeProvider>(), parts.DeviceRequestHold ?? TimeSpan.FromMinutes(5)));
        services.AddSingleton<IInventoryStore>(parts.Store);
        services.AddSingleton<NonDeviceServices>();
        services.AddSingleton<IDuisRequestHandler, DuisRequestHandler>();
        services.AddSingleton(parts.Outbox);
        services.AddSingleton<IResponseEndpoints>(new UserResponseEndpoints(parts.Store));
        return services;
    }
}

/// <summary>Each User's response endpoint as stored with the User (<see cref="Core.Parties.ServiceUser.ResponseEndpoint"/>).</summary>
public sealed class UserResponseEndpoints(IPartyStore parties) : IResponseEndpoints
{
    public async ValueTask<Uri?> FindAsync(Protocol.Domain.Eui user, CancellationToken cancellationToken = default) =>
        (await parties.FindUserAsync(user, cancellationToken))?.ResponseEndpoint;
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenDuis.Core.Requests;
using OpenDuis.Network.Execution;

namespace OpenDuis.Server.SmWan;

/// <summary>
/// The emulated SM WAN's execution state kept in the data folder's database (issue 6): the injected
/// faults and the held Future Dated (DSP) requests, read back when the server starts.
/// </summary>
public static partial class SmWanStateHosting
{
    /// <summary>Call before <see cref="SmWanExecutionHosting.AddSmWanExecution"/>: its <see cref="DeviceFaults"/> is then the kept one.</summary>
    public static IServiceCollection AddDurableSmWanState(this IServiceCollection services, ISmWanExecutionStore state)
    {
        services.TryAddSingleton(new DeviceFaults(state));
        services.AddHostedService(sp => new SmWanStateRestore(sp.GetRequiredService<DeviceFaults>(), sp.GetRequiredService<SmWanExecution>(),
            sp.GetRequiredService<ILogger<SmWanStateRestore>>()));
        return services;
    }

    /// <summary>Reads the kept faults and held requests back before the server takes requests.</summary>
    internal sealed partial class SmWanStateRestore(DeviceFaults faults, SmWanExecution execution, ILogger<SmWanStateRestore> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var kept = await faults.LoadAsync(cancellationToken);
            var held = await execution.RestoreHeldAsync(cancellationToken);
            if (kept + held > 0) LogRestored(logger, kept, held);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(Level = LogLevel.Information, Message = "Emulated SM WAN: {Faults} device fault(s) and {Held} held Future Dated (DSP) request(s) kept from before the restart")]
        private static partial void LogRestored(ILogger logger, int faults, int held);
    }
}

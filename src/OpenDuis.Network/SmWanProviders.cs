using OpenDuis.Protocol.Domain;

namespace OpenDuis.Network;

/// <summary>Who carries a command to a device: a Communication Service Provider (SMETS2+ SM WAN) or the SMETS1 Service Provider (R-WS-4).</summary>
public enum SmWanProviderKind
{
    CommunicationServiceProvider,
    Smets1ServiceProvider,
}

/// <summary>An emulated SM WAN provider and the time it takes to carry a command to a device and its response back.</summary>
public sealed record SmWanProvider(string Name, SmWanProviderKind Kind, TimeSpan Latency);

/// <summary>
/// The SM WAN providers the emulator runs: one Communication Service Provider per CSP region (SEC
/// Section A "CSP North/Central/South"; the 4G hubs of a region are served by its CSP) and the SMETS1
/// Service Provider for SMETS1 devices (R-WS-4: "SM WAN" means the SMETS1 SM WAN or the SMETS2+ SM WAN).
/// </summary>
public sealed class SmWanProviders
{
    public SmWanProvider North { get; }
    public SmWanProvider Central { get; }
    public SmWanProvider South { get; }
    public SmWanProvider Smets1 { get; }

    public SmWanProviders(TimeSpan latency)
    {
        North = new("CSP North", SmWanProviderKind.CommunicationServiceProvider, latency);
        Central = new("CSP Central", SmWanProviderKind.CommunicationServiceProvider, latency);
        South = new("CSP South", SmWanProviderKind.CommunicationServiceProvider, latency);
        Smets1 = new("SMETS1 Service Provider", SmWanProviderKind.Smets1ServiceProvider, latency);
    }

    public IEnumerable<SmWanProvider> All => [North, Central, South, Smets1];

    /// <summary>
    /// The provider reaching a device: the SMETS1 Service Provider for a SMETS1 device, otherwise the
    /// CSP of its hub's region. A device with no known region is reached through CSP Central (the
    /// inventory may not record a region for devices imported without one).
    /// </summary>
    public SmWanProvider For(DeviceGeneration generation, CspRegion? region)
    {
        if (generation == DeviceGeneration.Smets1 || region == CspRegion.Smets1) return Smets1;
        return region switch
        {
            CspRegion.North or CspRegion.North4G => North,
            CspRegion.South or CspRegion.South4G => South,
            _ => Central,
        };
    }
}

namespace OpenDuis.Network;
internal static class AssemblyMarker { }

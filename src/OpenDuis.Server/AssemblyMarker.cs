namespace OpenDuis.Server;
internal static class AssemblyMarker { }

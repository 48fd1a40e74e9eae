namespace OpenDuis.Core;
internal static class AssemblyMarker { }

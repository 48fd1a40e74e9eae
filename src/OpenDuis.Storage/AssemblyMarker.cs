namespace OpenDuis.Storage;
internal static class AssemblyMarker { }

using System.Text;

namespace OpenDuis.Protocol.Keys;

/// <summary>
/// Files that hold secrets (private keys, DCCKI keys, the database, H17 reports, settings with a
/// connection string) are readable by their owner only: files 0600 and folders 0700 from the moment
/// they are created, never written first and narrowed after. Nothing to do on Windows, whose ACLs
/// follow the user's profile folder.
/// </summary>
public static class OwnerOnly
{
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode GroupOrOther = ~(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute) & (UnixFileMode)0x1FF;

    /// <summary>Creates <paramref name="path"/> (and missing parents) 0700; an existing one is narrowed to its owner.</summary>
    public static DirectoryInfo CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows()) return Directory.CreateDirectory(path);
        var directory = Directory.CreateDirectory(path, DirectoryMode);
        Narrow(directory.FullName);
        return directory;
    }

    /// <summary>Opens <paramref name="path"/> for writing from the start, created 0600 (an existing file is narrowed to its owner).</summary>
    public static FileStream Create(string path)
    {
        var options = new FileStreamOptions { Mode = System.IO.FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = FileMode;
        var stream = new FileStream(path, options);
        Narrow(path);
        return stream;
    }

    public static void WriteAllText(string path, string text)
    {
        using var stream = Create(path);
        stream.Write(new UTF8Encoding(false).GetBytes(text));
    }

    /// <summary>Creates an empty file 0600 unless it exists (so that a database engine opening it keeps that mode).</summary>
    public static void EnsureFile(string path)
    {
        if (File.Exists(path)) return;
        var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = FileMode;
        try { using var _ = new FileStream(path, options); }
        catch (IOException) when (File.Exists(path)) { }
    }

    /// <summary>
    /// Narrows every file and folder under <paramref name="folder"/> (and itself) that group or others may
    /// use to its owner's bits only, not following symbolic links; returns the paths it changed.
    /// </summary>
    public static IReadOnlyList<string> Tighten(string folder)
    {
        var changed = new List<string>();
        if (OperatingSystem.IsWindows() || !Directory.Exists(folder)) return changed;
        if (Narrow(folder)) changed.Add(folder);
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true }))
            if (entry.LinkTarget is null && Narrow(entry.FullName)) changed.Add(entry.FullName);
        return changed;
    }

    private static bool Narrow(string path)
    {
        if (OperatingSystem.IsWindows()) return false;
        var mode = File.GetUnixFileMode(path);
        if ((mode & GroupOrOther) == 0) return false;
        File.SetUnixFileMode(path, mode & ~GroupOrOther);
        return true;
    }
}

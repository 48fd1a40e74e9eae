namespace OpenDuis.TestSupport;

/// <summary>
/// What a test needs from outside the project (reference data, the DCC Boxed tool, a PostgreSQL
/// server). Under CI=true a missing prerequisite fails the test loudly; elsewhere it is skipped
/// with the reason, so a developer without PostgreSQL can still run the rest.
/// </summary>
public static class Prerequisite
{
    public static bool IsCi =>
        string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public static Exception Missing(string what)
    {
        if (IsCi)
            Assert.Fail($"Prerequisite missing under CI: {what}");
        Assert.Skip($"Prerequisite missing: {what}");
        return new InvalidOperationException(what); // not reached
    }
}

/// <summary>Paths of the repository and of the shared reference data beside it.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootLazy = new(() =>
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "OpenDuis.slnx")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("OpenDuis.slnx not found above " + AppContext.BaseDirectory);
    });

    public static string Root => RootLazy.Value;

    /// <summary>The shared reference folder (../shared/reference, or $OPENDUIS_REFERENCE).</summary>
    public static string Reference
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable("OPENDUIS_REFERENCE");
            var path = configured ?? Path.GetFullPath(Path.Combine(Root, "..", "shared", "reference"));
            if (!Directory.Exists(path))
                throw Prerequisite.Missing($"reference data folder {path}");
            return path;
        }
    }

    public static string ReferencePath(params string[] parts)
    {
        var path = Path.Combine([Reference, .. parts]);
        if (!File.Exists(path) && !Directory.Exists(path))
            throw Prerequisite.Missing($"reference data {path}");
        return path;
    }

    public static string Templates => ReferencePath("duis-templates");
    public static string Keystore => ReferencePath("keystore");
    public static string Schemas54 => ReferencePath("duis-xsd", "5.4");
    public static string Schemas51 => ReferencePath("duis-xsd", "5.1");
    public static string Samples => ReferencePath("samples");

    public static IEnumerable<string> TemplateFiles() =>
        Directory.EnumerateFiles(Templates, "*.XML").Concat(Directory.EnumerateFiles(Templates, "*.xml"))
            .Distinct().Order(StringComparer.Ordinal);
}

using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenDuis.Core.AccessControl;
using OpenDuis.Core.Inventory;
using OpenDuis.Core.Requests;
using OpenDuis.Protocol.Domain;
using OpenDuis.Protocol.Keys;
using OpenDuis.Protocol.Schema;
using OpenDuis.Server.Hosting;
using OpenDuis.Server.Tls;
using OpenDuis.Storage;
using OpenDuis.Storage.Outbox;
using OpenDuis.TestSupport;

namespace OpenDuis.Conformance.Tests;

/// <summary>
/// A real OpenDUIS on a loopback port, started in-process on a fresh data folder initialised with the
/// demo environment and its generated demo keys (as <c>openduis serve</c> would), validating requests
/// against the official XSDs. <paramref name="admission"/>, when given, replaces the access-control
/// pipeline's verdicts (to misconfigure the server on purpose).
/// </summary>
public sealed class ConformanceTarget : IAsyncDisposable
{
    private ISmiStore _store = null!;
    private SqliteOutboxStore _outbox = null!;

    private ConformanceTarget(DataFolder folder) => Folder = folder;

    public DataFolder Folder { get; }
    public DuisServer Server { get; private set; } = null!;
    public KeyStore Keys { get; private set; } = null!;
    public Uri Endpoint => Server.BaseAddress;

    public static DuisSchemas Schemas => SchemasLazy.Value;
    private static readonly Lazy<DuisSchemas> SchemasLazy = new(() => DuisSchemas.Load(RepoPaths.ReferencePath("duis-xsd")));

    /// <param name="duisProfile">Serve the duis TLS profile (R-WS-3) with a demo DCCKI in the data folder's dccki/, a client certificate per demo User.</param>
    public static async Task<ConformanceTarget> StartAsync(Func<IRequestAdmission, IRequestAdmission>? admission = null, bool duisProfile = false)
    {
        var target = new ConformanceTarget(new DataFolder(Directory.CreateTempSubdirectory("openduis-conformance-").FullName));
        (target._store, _) = await target.Folder.InitialiseAsync(new DataFolderSettings());
        target.Keys = KeyStore.Load(target.Folder.DefaultKeysPath);
        target._outbox = await SqliteOutboxStore.OpenAsync(target.Folder.SqlitePath, TimeProvider.System);
        var snapshot = await SmiCacheAccessSnapshot.LoadAsync(await SmiCache.LoadAsync(target._store));
        var replaced = admission?.Invoke(new AccessPipelineAdmission(new AccessPipeline(snapshot, new InMemoryRequestLog(TimeProvider.System), TimeProvider.System)));
        var options = new ServerOptions { Port = 0, MinimumLogLevel = LogLevel.Warning };
        if (duisProfile)
        {
            var dccki = DcckiDemoPki.Generate(Path.Combine(target.Folder.Path, "dccki"), Core.Demo.DemoEnvironment.Users.Select(u => u.Id), TimeProvider.System);
            options = options with { Profile = ConnectionProfile.Duis, Dccki = dccki };
        }
        target.Server = await DuisServer.StartAsync(
            options,
            services =>
            {
                // A replaced admission is registered first, so it is the one kept.
                if (replaced is not null) services.AddSingleton(replaced);
                var openDuis = services.AddOpenDuis(o => { o.Keys = target.Keys; o.Store = target._store; o.Outbox = target._outbox; o.Schemas = Schemas; });
                if (replaced is null) openDuis.AddAccessControl(snapshot);
            });
        return target;
    }

    /// <summary>The runner's options for this server: every demo role, the demo Devices, the data folder's keys, the XSDs.</summary>
    public ConformanceOptions Options(IEnumerable<UserRole>? roles = null) => new()
    {
        Endpoint = Endpoint,
        Participants = [.. (roles ?? UserRoles.All).Select(r => new Participant(Core.Demo.DemoEnvironment.RoleUsers[r], r))],
        Devices = [.. Core.Demo.DemoEnvironment.Devices.Select(d => new TestDevice(d.Id, d.Type, d.Generation))],
        UserKeys = Keys,
        DspCertificates = KeyStore.Create(Keys.Certificates.Where(c => c.Role == RemotePartyRole.DspXmlSign), []),
        Schemas = Schemas,
    };

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        await _store.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(Folder.Path, true); } catch (IOException) { }
    }
}

/// <summary>Refuses with E12 (Command Variant not valid for the request) wherever E11 is due: a server deliberately wrong.</summary>
public sealed class AnswersE12WhereE11IsDue(IRequestAdmission inner) : IRequestAdmission
{
    public Admission Evaluate(in AuthenticatedRequest request)
    {
        var verdict = inner.Evaluate(request);
        return verdict.RefusedWith == ResponseCode.E11 ? Admission.Refused(ResponseCode.E12, "deliberately misconfigured: E12 for E11") : verdict;
    }
}

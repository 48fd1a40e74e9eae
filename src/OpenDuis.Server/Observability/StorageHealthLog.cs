using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenDuis.Core.Transactions;

namespace OpenDuis.Server.Observability;

/// <summary>Logs each change of the database's health once: when a component begins failing, and when it writes again.</summary>
internal sealed partial class StorageHealthLog(StorageHealth health, ILogger<StorageHealthLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        health.Changed += Log;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        health.Changed -= Log;
        return Task.CompletedTask;
    }

    private void Log(StorageHealthChange change)
    {
        if (change.Failure is { } reason) LogFailing(logger, change.Component, reason);
        else LogRecovered(logger, change.Component);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The database is failing: the {Component} cannot be written ({Reason}). Requests that must be recorded are answered HTTP 503 and /health reports it until it writes again")]
    private static partial void LogFailing(ILogger logger, string component, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The database is writable again: the {Component} writes")]
    private static partial void LogRecovered(ILogger logger, string component);
}

using OpenDuis.Core.Requests;
using OpenDuis.Protocol.Domain;

namespace OpenDuis.Core.AccessControl;

/// <summary>
/// The door's duplicate check (E55) read from the pipeline's <see cref="IRequestLog"/>, so that one
/// log serves both: the door only asks whether the ID is in progress; the pipeline records the
/// request atomically when it admits it (<see cref="AccessPipeline.Decide"/>), so nothing is counted
/// twice and a refused request leaves no trace.
/// </summary>
public sealed class RequestLogInProcess(IRequestLog log) : IRequestsInProcess
{
    public IRequestLog Log => log;

    public bool TryBegin(RequestId id) => !(log.TryGet(id, out var entry) && entry.State == RequestState.InProgress);

    public void Abandon(RequestId id) { }

    public void Complete(RequestId id, bool succeeded) => log.Complete(id, succeeded ? RequestState.Succeeded : RequestState.Failed);
}

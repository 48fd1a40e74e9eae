using System.CommandLine;

namespace OpenDuis.Cli.Commands;

internal static class CommandSet
{
    public static IEnumerable<Command> All()
    {
        yield return NoticeCommand.Create();
        yield return ServiceDeskCommand.Create();
        yield return IncidentCommand.Create();
        yield return TriageCommand.Create();
        yield return InitCommand.Create();
        yield return ImportCommand.Create();
        yield return ExportCommand.Create();
        yield return SignCommand.Create();
        yield return VerifyCommand.Create();
        yield return ServeCommand.Create();
        yield return SendCommand.Create();
        yield return ListenCommand.Create();
        yield return UsersCommand.Create();
        yield return ReportCommand.Create();
        yield return ConformanceCommand.Create();
        yield return AnomalyThresholdCommand.Create();
        yield return FaultCommand.Create();
        yield return EventCommand.Create();
        yield return CplCommand.Create();
        yield return ExplainCommand.Create();
        yield return DevicesCommand.Create();
        yield return OutboxCommand.Create();
        yield return ParseCommand.Create();
        yield return CorrelateCommand.Create();
        yield break;
    }
}

namespace OpenDuis.Protocol.Messages;

/// <summary>What is structurally wrong with a DUIS message.</summary>
public enum DuisFormatError
{
    /// <summary>The document element is not the expected sr:Request or sr:Response.</summary>
    WrongDocumentElement,
    MissingSchemaVersion,
    InvalidSchemaVersion,
    /// <summary>A mandatory element is absent (or another element stands where it should be).</summary>
    MissingElement,
    /// <summary>An element that the XSD does not allow at that place.</summary>
    UnexpectedElement,
    /// <summary>Character data where only elements are allowed.</summary>
    UnexpectedText,
    InvalidRequestId,
    InvalidResponseId,
    InvalidBoolean,
    InvalidCommandVariant,
    UnknownServiceReference,
    UnknownServiceReferenceVariant,
    InvalidResponseCode,
    InvalidDateTime,
    /// <summary>sr:Body holds no element.</summary>
    EmptyBody,
    /// <summary>sr:Body holds more than one element.</summary>
    MultipleBodyElements,
    InvalidDccAlertCode,
    /// <summary>A value that does not have the XSD's form (number, hex, base64).</summary>
    InvalidValue,
}

/// <summary>A structural problem found while reading a DUIS message: what, and in which element.</summary>
public sealed record DuisFormatProblem(DuisFormatError Error, string Element, string Message)
{
    public DuisFormatException ToException() => new(this);
    public override string ToString() => $"{Error} at {Element}: {Message}";
}

/// <summary>Thrown by the <c>Read</c> methods of the DUIS message types for a structurally invalid message.</summary>
public sealed class DuisFormatException(DuisFormatProblem problem) : FormatException(problem.ToString())
{
    public DuisFormatProblem Problem { get; } = problem;
    public DuisFormatError Error => Problem.Error;
    public string Element => Problem.Element;
}

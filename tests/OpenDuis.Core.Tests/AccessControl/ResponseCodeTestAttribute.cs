namespace OpenDuis.Core.Tests.AccessControl;

/// <summary>Marks a test as the proof of the Response Code(s) it names (docs/response-codes.md lists them).</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
internal sealed class ResponseCodeTestAttribute(params string[] codes) : Attribute
{
    public IReadOnlyList<string> Codes { get; } = codes;
}

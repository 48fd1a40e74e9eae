using System.Diagnostics.CodeAnalysis;

namespace OpenDuis.Core;

/// <summary>Why a SEC rule refuses something: the clause that forbids it and a plain reason.</summary>
public sealed record Refusal(string Clause, string Reason)
{
    public override string ToString() => $"{Reason} ({Clause})";
}

/// <summary>The outcome of applying a SEC rule: either the allowed value, or a <see cref="Refusal"/>.</summary>
public readonly struct Ruling<T>
{
    private readonly T? _value;

    private Ruling(T? value, Refusal? refusal)
    {
        _value = value;
        Refusal = refusal;
    }

    public Refusal? Refusal { get; }

    [MemberNotNullWhen(false, nameof(Refusal))]
    public bool IsAllowed => Refusal is null;

    public T Value => IsAllowed ? _value! : throw new InvalidOperationException($"Refused: {Refusal}");

    public static Ruling<T> Allow(T value) => new(value, null);

    public static Ruling<T> Refuse(string clause, string reason) => new(default, new Refusal(clause, reason));

    public static implicit operator Ruling<T>(Refusal refusal) => new(default, refusal);

    public override string ToString() => IsAllowed ? $"allowed: {_value}" : $"refused: {Refusal}";
}

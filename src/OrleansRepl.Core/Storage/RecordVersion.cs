namespace OrleansRepl.Core.Storage;

/// <summary>
/// The last-writer-wins order of a record: a hybrid logical timestamp, ties broken by the node that
/// wrote it. Two distinct writes never compare equal unless the same node issued the same timestamp twice,
/// which its clock prevents.
/// </summary>
public readonly record struct RecordVersion(ulong Timestamp, ulong Origin) : IComparable<RecordVersion>
{
    public int CompareTo(RecordVersion other)
    {
        var byTime = Timestamp.CompareTo(other.Timestamp);
        return byTime != 0 ? byTime : Origin.CompareTo(other.Origin);
    }

    public static bool operator <(RecordVersion left, RecordVersion right) => left.CompareTo(right) < 0;

    public static bool operator >(RecordVersion left, RecordVersion right) => left.CompareTo(right) > 0;

    public static bool operator <=(RecordVersion left, RecordVersion right) => left.CompareTo(right) <= 0;

    public static bool operator >=(RecordVersion left, RecordVersion right) => left.CompareTo(right) >= 0;

    public override string ToString() => $"{Timestamp}@{Origin}";
}

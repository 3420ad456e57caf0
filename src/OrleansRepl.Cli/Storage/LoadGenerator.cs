namespace OrleansRepl.Cli.Storage;

/// <summary>
/// The records <c>orepl store load</c> writes: random keys and values from a seed, in a fixed order, so
/// that a test or a second run can regenerate exactly the records a run acknowledged.
/// </summary>
internal sealed class LoadGenerator(int seed, int keySize, int valueSize)
{
    private readonly Random _random = new(seed);

    public (byte[] Key, byte[] Value) Next()
    {
        var key = new byte[keySize];
        var value = new byte[valueSize];
        _random.NextBytes(key);
        _random.NextBytes(value);
        return (key, value);
    }
}

using BenchmarkDotNet.Attributes;

namespace OrleansRepl.Benchmarks.Hashing;

/// <summary>A random input of each size the issue names: 1 KiB (one chunk), 64 KiB and 16 MiB (past the caches).</summary>
public abstract class SizedInputBenchmark
{
    [Params(1024, 64 * 1024, 16 * 1024 * 1024)]
    public int Size { get; set; }

    protected byte[] Input { get; private set; } = [];

    [GlobalSetup]
    public void CreateInput()
    {
        Input = new byte[Size];
        new Random(Size).NextBytes(Input);
    }
}

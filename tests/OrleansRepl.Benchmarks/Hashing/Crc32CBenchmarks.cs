using BenchmarkDotNet.Attributes;
using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Benchmarks.Hashing;

/// <summary>CRC-32C on the CRC instruction (three streams) against the slicing-by-8 table walk, in the same run.</summary>
public class Crc32CBenchmarks
{
    private byte[] _input = [];

    [Params(1024, 64 * 1024, 16 * 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _input = new byte[Size];
        new Random(2).NextBytes(_input);
    }

    [Benchmark(Baseline = true)]
    public uint Hardware() => Crc32C.Compute(_input);

    [Benchmark]
    public uint Software() => ~Crc32CSoftware.Update(~0u, _input);
}

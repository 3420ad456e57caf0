using System.IO.Hashing;
using BenchmarkDotNet.Attributes;
using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Benchmarks.Hashing;

/// <summary>
/// CRC-32C through System.IO.Hashing: the built-in parameter set, the continuation of a stored value
/// (<see cref="Crc32C.Append"/> with a custom seed), and the IEEE CRC-32 as the peer in the same run.
/// </summary>
public class Crc32CBenchmarks : SizedInputBenchmark
{
    [Benchmark(Baseline = true)]
    public uint Compute() => Crc32C.Compute(Input);

    [Benchmark]
    public uint ContinueStored() => Crc32C.Append(0x1234_5678, Input);

    [Benchmark]
    public uint Ieee() => Crc32.HashToUInt32(Input);
}

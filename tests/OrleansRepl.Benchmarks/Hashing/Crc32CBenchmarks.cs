using BenchmarkDotNet.Attributes;
using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Benchmarks.Hashing;

/// <summary>CRC-32C on the CRC instruction (three streams) against the slicing-by-8 table walk, in the same run.</summary>
public class Crc32CBenchmarks : SizedInputBenchmark
{
    [Benchmark(Baseline = true)]
    public uint Hardware() => Crc32C.Compute(Input);

    [Benchmark]
    public uint Software() => ~Crc32CSoftware.Update(~0u, Input);
}

using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Benchmarks.Hashing;

/// <summary>
/// BLAKE3 on the chosen backend and on the portable one, against .NET's SHA-256 (SHA-NI hardware where
/// present) as the peer measured in the same run.
/// </summary>
public class Blake3Benchmarks : SizedInputBenchmark
{
    private readonly byte[] _digest = new byte[32];
    private readonly Blake3Hasher _portable = new(Blake3Backend.Portable);

    [Benchmark(Baseline = true)]
    public Blake3Hash Blake3OneShot() => Blake3.Hash(Input);

    [Benchmark]
    public Blake3Hash Blake3Portable()
    {
        _portable.Reset();
        _portable.Update(Input);
        return _portable.FinalizeHash();
    }

    [Benchmark]
    public int Sha256Peer() => SHA256.HashData(Input, _digest);
}

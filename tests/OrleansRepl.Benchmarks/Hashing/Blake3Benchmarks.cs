using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Benchmarks.Hashing;

/// <summary>
/// BLAKE3 on the chosen backend and on the portable one, against .NET's SHA-256 (SHA-NI hardware where
/// present) as the peer measured in the same run.
/// </summary>
public class Blake3Benchmarks
{
    private byte[] _input = [];
    private readonly byte[] _digest = new byte[32];
    private readonly Blake3Hasher _portable = new(Blake3Backend.Portable);

    [Params(1024, 64 * 1024, 16 * 1024 * 1024)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _input = new byte[Size];
        new Random(1).NextBytes(_input);
    }

    [Benchmark(Baseline = true)]
    public Blake3Hash Blake3OneShot() => Blake3.Hash(_input);

    [Benchmark]
    public Blake3Hash Blake3Portable()
    {
        _portable.Reset();
        _portable.Update(_input);
        return _portable.FinalizeHash();
    }

    [Benchmark]
    public int Sha256Peer() => SHA256.HashData(_input, _digest);
}

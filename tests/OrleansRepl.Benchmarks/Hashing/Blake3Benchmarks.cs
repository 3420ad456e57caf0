using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Benchmarks.Hashing;

/// <summary>
/// BLAKE3 through the Blake3 package: the one-shot seam (joined over cores for large inputs), the same bytes fed in
/// 64 KiB pieces (the serial path), and .NET's SHA-256 (SHA-NI hardware where present) as the peer measured in the
/// same run.
/// </summary>
public class Blake3Benchmarks : SizedInputBenchmark
{
    private const int Piece = 64 * 1024;
    private readonly byte[] _digest = new byte[32];

    [Benchmark(Baseline = true)]
    public Blake3Hash Blake3OneShot() => Blake3Hasher.Hash(Input);

    [Benchmark]
    public Blake3Hash Blake3InPieces()
    {
        using var hasher = new Blake3Hasher();
        for (var at = 0; at < Input.Length; at += Piece)
        {
            hasher.Update(Input.AsSpan(at, Math.Min(Piece, Input.Length - at)));
        }

        return hasher.FinalizeHash();
    }

    [Benchmark]
    public int Sha256Peer() => SHA256.HashData(Input, _digest);
}

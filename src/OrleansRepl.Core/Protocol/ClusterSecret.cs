using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace OrleansRepl.Core.Protocol;

/// <summary>
/// The secret every node of a cluster shares, read from a file. Connections prove it with HMAC-SHA256 over
/// fresh nonces from both sides, so neither the secret nor a reusable proof ever crosses the wire.
/// </summary>
public sealed class ClusterSecret
{
    public const int ProofSize = 32;
    public const int MinimumLength = SecretFile.MinimumBytes;

    private readonly byte[] _key;

    private ClusterSecret(byte[] key) => _key = key;

    /// <summary>Reads the secret from <paramref name="path"/>, checked by <see cref="SecretFile.Read"/>.</summary>
    public static ClusterSecret Load(string path) => new(SecretFile.Read(path, "cluster secret"));

    public static ClusterSecret FromBytes(ReadOnlySpan<byte> key) =>
        key.Length >= MinimumLength
            ? new ClusterSecret(key.ToArray())
            : throw new ArgumentException($"a cluster secret needs at least {MinimumLength} bytes, got {key.Length}", nameof(key));

    /// <summary>HMAC-SHA256 over <paramref name="purpose"/> and each part, every one length-prefixed so parts cannot run together.</summary>
    public byte[] Prove(string purpose, params ReadOnlySpan<ReadOnlyMemory<byte>> parts)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        Append(hmac, Encoding.UTF8.GetBytes(purpose));
        foreach (var part in parts)
        {
            Append(hmac, part.Span);
        }

        return hmac.GetHashAndReset();
    }

    /// <summary>Whether <paramref name="proof"/> is this secret's proof over the same purpose and parts, compared in constant time.</summary>
    public bool Verify(ReadOnlySpan<byte> proof, string purpose, params ReadOnlySpan<ReadOnlyMemory<byte>> parts) =>
        CryptographicOperations.FixedTimeEquals(proof, Prove(purpose, parts));

    private static void Append(IncrementalHash hmac, ReadOnlySpan<byte> part)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, part.Length);
        hmac.AppendData(length);
        hmac.AppendData(part);
    }
}

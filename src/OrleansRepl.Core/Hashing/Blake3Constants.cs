namespace OrleansRepl.Core.Hashing;

/// <summary>Sizes, domain flags and the message schedule fixed by the BLAKE3 specification.</summary>
internal static class Blake3Constants
{
    public const int BlockSize = 64;
    public const int ChunkSize = 1024;
    public const int BlocksPerChunk = ChunkSize / BlockSize;
    public const int CvSize = 32;

    /// <summary>2^64 bytes of input is at most 2^54 chunks, so the chaining-value stack never holds more.</summary>
    public const int MaxTreeDepth = 54;

    public const uint ChunkStart = 1 << 0;
    public const uint ChunkEnd = 1 << 1;
    public const uint Parent = 1 << 2;
    public const uint Root = 1 << 3;
    public const uint KeyedHash = 1 << 4;
    public const uint DeriveKeyContext = 1 << 5;
    public const uint DeriveKeyMaterial = 1 << 6;

    public const uint Iv0 = 0x6A09E667;
    public const uint Iv1 = 0xBB67AE85;
    public const uint Iv2 = 0x3C6EF372;
    public const uint Iv3 = 0xA54FF53A;
    public const uint Iv4 = 0x510E527F;
    public const uint Iv5 = 0x9B05688C;
    public const uint Iv6 = 0x1F83D9AB;
    public const uint Iv7 = 0x5BE0CD19;

    /// <summary>
    /// Row r lists which message word feeds each G input in round r. Each row is the previous one
    /// put through the specification's permutation, so rounds index words instead of moving them.
    /// </summary>
    public static ReadOnlySpan<byte> Schedule =>
    [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8,
        3, 4, 10, 12, 13, 2, 7, 14, 6, 5, 9, 0, 11, 15, 8, 1,
        10, 7, 12, 9, 14, 3, 13, 15, 4, 0, 11, 2, 5, 8, 1, 6,
        12, 13, 9, 11, 15, 10, 14, 8, 7, 2, 5, 3, 0, 1, 6, 4,
        9, 14, 11, 5, 8, 12, 15, 1, 13, 3, 0, 10, 2, 6, 4, 7,
        11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13,
    ];
}

namespace OrleansRepl.Core.Hashing;

/// <summary>
/// Hashes equally long, independent inputs (whole chunks, or parent nodes) to chaining values, on the
/// chosen backend. This is where the wide kernels earn their speed: a subtree's leaves and each level of
/// its parents are all independent.
/// </summary>
internal static class Blake3HashMany
{
    /// <summary>Chaining values of <paramref name="count"/> consecutive whole chunks starting at <paramref name="chunkCounter"/>.</summary>
    public static void Chunks(Blake3Backend backend, ReadOnlySpan<byte> chunks, int count, in CvWords key, ulong chunkCounter, uint flags, Span<byte> output) =>
        Run(backend, chunks, Blake3Constants.ChunkSize, count, Blake3Constants.BlocksPerChunk, key, chunkCounter, true, flags, Blake3Constants.ChunkStart, Blake3Constants.ChunkEnd, output);

    /// <summary>
    /// Chaining values of <paramref name="count"/> parent nodes whose children are the consecutive 32-byte
    /// values in <paramref name="children"/>. Writing over <paramref name="children"/> itself is safe:
    /// parent i is written at 32·i only after the children at 64·i and beyond it were read.
    /// </summary>
    public static void Parents(Blake3Backend backend, ReadOnlySpan<byte> children, int count, in CvWords key, uint flags, Span<byte> output) =>
        Run(backend, children, Blake3Constants.BlockSize, count, 1, key, 0, false, flags | Blake3Constants.Parent, 0, 0, output);

    private static void Run(
        Blake3Backend backend, ReadOnlySpan<byte> inputs, int stride, int count, int blocks, in CvWords key,
        ulong counter, bool incrementCounter, uint flags, uint flagsStart, uint flagsEnd, Span<byte> output)
    {
        if (backend == Blake3Backend.Avx2)
        {
            for (var done = 0; done < count; done += Blake3Avx2.Lanes)
            {
                var group = Math.Min(Blake3Avx2.Lanes, count - done);
                Blake3Avx2.HashMany(
                    inputs[(done * stride)..], stride, group, blocks, key,
                    incrementCounter ? counter + (ulong)done : counter, incrementCounter,
                    flags, flagsStart, flagsEnd, output[(done * Blake3Constants.CvSize)..]);
            }

            return;
        }

        for (var i = 0; i < count; i++)
        {
            var cv = key;
            var input = inputs.Slice(i * stride, blocks * Blake3Constants.BlockSize);
            var inputCounter = incrementCounter ? counter + (ulong)i : counter;
            for (var block = 0; block < blocks; block++)
            {
                var blockFlags = flags
                    | (block == 0 ? flagsStart : 0)
                    | (block == blocks - 1 ? flagsEnd : 0);
                Blake3Compress.InPlace(ref cv, input.Slice(block * Blake3Constants.BlockSize, Blake3Constants.BlockSize), inputCounter, Blake3Constants.BlockSize, blockFlags);
            }

            cv.WriteTo(output[(i * Blake3Constants.CvSize)..]);
        }
    }
}

using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Core.Tests.Hashing;

/// <summary>The wide kernel against the portable one, lane by lane, including where the block counter carries.</summary>
public sealed class Blake3BackendTests
{
    public static TheoryData<int, int, ulong, bool> HashManyShapes() => new()
    {
        { 8, 16, 0, true },
        { 5, 16, 7, true },
        { 1, 16, 0, true },
        { 8, 16, 0xFFFF_FFFC, true },  // lanes 4..7 carry into the high counter word
        { 8, 16, 0x1_FFFF_FFFF, true },
        { 8, 1, 0, false },            // parents: one block each, counter fixed at 0
        { 3, 1, 0, false },
    };

    [Theory]
    [MemberData(nameof(HashManyShapes))]
    public void Avx2HashMany_MatchesPortable_LaneForLane(int count, int blocks, ulong counter, bool incrementCounter)
    {
        Assert.True(Blake3Avx2.IsSupported, "this machine has AVX2; without it the wide kernel is never selected and this test would prove nothing");
        var stride = blocks * 64;
        var input = new byte[count * stride];
        new Random(count * 31 + blocks).NextBytes(input);
        var key = CvWords.FromIv();
        var flags = incrementCounter ? 0u : Blake3Constants.Parent;
        var flagsStart = incrementCounter ? Blake3Constants.ChunkStart : 0u;
        var flagsEnd = incrementCounter ? Blake3Constants.ChunkEnd : 0u;

        var wide = new byte[count * 32];
        Blake3Avx2.HashMany(input, stride, count, blocks, key, counter, incrementCounter, flags, flagsStart, flagsEnd, wide);

        var portable = new byte[count * 32];
        for (var lane = 0; lane < count; lane++)
        {
            var cv = key;
            for (var block = 0; block < blocks; block++)
            {
                var blockFlags = flags | (block == 0 ? flagsStart : 0) | (block == blocks - 1 ? flagsEnd : 0);
                Blake3Compress.InPlace(ref cv, input.AsSpan((lane * stride) + (block * 64), 64), counter + (incrementCounter ? (ulong)lane : 0), 64, blockFlags);
            }

            cv.WriteTo(portable.AsSpan(lane * 32));
        }

        Assert.Equal(Convert.ToHexString(portable), Convert.ToHexString(wide));
    }

    [Fact]
    public void RowCompression_MatchesScalarCompression_OnRandomBlocks()
    {
        // The scalar path is only taken where 128-bit vectors are not accelerated, so pin it to the row path here.
        var random = new Random(29);
        var block = new byte[64];
        for (var trial = 0; trial < 2000; trial++)
        {
            random.NextBytes(block);
            var key = default(CvWords);
            for (var i = 0; i < 8; i++)
            {
                key[i] = (uint)random.NextInt64();
            }

            var counter = (ulong)random.NextInt64();
            var length = (uint)random.Next(0, 65);
            var flags = (uint)random.Next(0, 128);
            Blake3Compress.FullScalar(key, block, counter, length, flags, out var scalar);
            Blake3Compress.FullRows(key, block, counter, length, flags, out var rows);
            Assert.Equal(((ReadOnlySpan<uint>)scalar).ToArray(), ((ReadOnlySpan<uint>)rows).ToArray());
        }
    }

    [Fact]
    public void HashMany_RejectsInputsThatDoNotFit()
    {
        var key = CvWords.FromIv();
        var error = Assert.Throws<ArgumentException>(() =>
            Blake3Avx2.HashMany(new byte[1000], 1024, 2, 16, key, 0, true, 0, 1, 2, new byte[64]));
        Assert.Contains("1000 input bytes", error.Message);
    }

    [Fact]
    public void BothBackends_AgreeOnRandomInputs_AcrossSubtreeSizes()
    {
        var random = new Random(5);
        foreach (var size in new[] { 2048, 8191, 8192, 131072, 131073, 262144 + 5000, 1_000_003 })
        {
            var input = new byte[size];
            random.NextBytes(input);
            var results = Blake3Backends.Supported().Select(backend =>
            {
                var hasher = new Blake3Hasher(backend);
                hasher.Update(input);
                return hasher.FinalizeHash();
            }).Distinct().ToList();
            Assert.Single(results);
        }
    }
}

using OrleansRepl.Core.Hashing;

namespace OrleansRepl.Core.Tests.Hashing;

public sealed class Blake3VectorTests
{
    public static TheoryData<int, string> AllCases()
    {
        var data = new TheoryData<int, string>();
        for (var index = 0; index < Blake3TestVectors.Cases.Count; index++)
        {
            foreach (var mode in new[] { "hash", "keyed_hash", "derive_key" })
            {
                data.Add(index, mode);
            }
        }

        return data;
    }

    [Fact]
    public void VectorFile_HoldsAllThirtyFiveCases()
    {
        Assert.Equal(35, Blake3TestVectors.Cases.Count);
        Assert.All(Blake3TestVectors.Cases, c => Assert.All(c.Expected.Values, e => Assert.Equal(131, e.Length)));
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void OneUpdate_GivesTheFullExtendedOutput(int caseIndex, string mode)
    {
        var vector = Blake3TestVectors.Cases[caseIndex];
        var expected = vector.Expected[mode];
        using var hasher = Blake3TestVectors.NewHasher(mode);
        hasher.Update(Blake3TestVectors.Input(vector.InputLength));

        var output = new byte[expected.Length];
        hasher.Finalize(output);
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(output));
        Assert.Equal(Convert.ToHexString(expected, 0, 32), Convert.ToHexString(hasher.FinalizeHash().ToArray()));
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void RandomlySizedUpdates_GiveTheSameOutput(int caseIndex, string mode)
    {
        var vector = Blake3TestVectors.Cases[caseIndex];
        var expected = vector.Expected[mode];
        var input = Blake3TestVectors.Input(vector.InputLength);
        var random = new Random(caseIndex * 7919 + mode.Length);

        for (var trial = 0; trial < 4; trial++)
        {
            using var hasher = Blake3TestVectors.NewHasher(mode);
            var fed = 0;
            while (fed < input.Length)
            {
                // Mix single bytes, sub-block, cross-chunk and multi-chunk pieces, and empty updates.
                var piece = random.Next(4) switch
                {
                    0 => random.Next(0, 2),
                    1 => random.Next(1, 65),
                    2 => random.Next(1, 1100),
                    _ => random.Next(1, 20000),
                };
                piece = Math.Min(piece, input.Length - fed);
                hasher.Update(input.AsSpan(fed, piece));
                fed += piece;
            }

            var output = new byte[expected.Length];
            hasher.Finalize(output);
            Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(output));
        }
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void ExtendedOutput_ReadsFromAnyOffset(int caseIndex, string mode)
    {
        var vector = Blake3TestVectors.Cases[caseIndex];
        var expected = vector.Expected[mode];
        using var hasher = Blake3TestVectors.NewHasher(mode);
        hasher.Update(Blake3TestVectors.Input(vector.InputLength));

        var random = new Random(caseIndex);
        for (var trial = 0; trial < 8; trial++)
        {
            var start = random.Next(expected.Length);
            var length = random.Next(expected.Length - start + 1);
            var slice = new byte[length];
            hasher.Finalize((ulong)start, slice);
            Assert.Equal(Convert.ToHexString(expected, start, length), Convert.ToHexString(slice));
        }
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void OneShotHelpers_MatchTheVectors(int caseIndex, string mode)
    {
        var vector = Blake3TestVectors.Cases[caseIndex];
        var expected = vector.Expected[mode];
        var input = Blake3TestVectors.Input(vector.InputLength);
        var output = new byte[expected.Length];
        switch (mode)
        {
            case "hash":
                Blake3Hasher.Hash(input, output);
                Assert.Equal(Convert.ToHexString(expected, 0, 32), Blake3Hasher.Hash(input).ToString().ToUpperInvariant());
                break;
            case "keyed_hash":
                Blake3Hasher.KeyedHash(Blake3TestVectors.Key, input, output);
                Assert.Equal(Convert.ToHexString(expected, 0, 32), Blake3Hasher.KeyedHash(Blake3TestVectors.Key, input).ToString().ToUpperInvariant());
                break;
            default:
                Blake3Hasher.DeriveKey(Blake3TestVectors.Context, input, output);
                break;
        }

        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(output));
    }
}

using OrleansRepl.Fuzzing;

namespace OrleansRepl.Core.Tests.Fuzzing;

/// <summary>
/// The short run of the seeded decoder fuzzer: every decoder that reads outside bytes, 2,000 mutated inputs each from a
/// fixed seed. Not one may crash (throw anything but its own refusal), and nothing refused may be applied.
/// <c>bench/fuzz.sh</c> runs the same targets with a million inputs each.
/// </summary>
public sealed class DecoderFuzzTests
{
    private const int InputsPerDecoder = 2_000;
    private const int Seed = 20261201;

    [Fact]
    public async Task EveryDecoder_RefusesMutatedInput_WithoutCrashing_AndAppliesNothingItRefused()
    {
        await using var targets = await DecoderTargets.CreateAsync();
        Assert.True(targets.Targets.Count >= 37, $"only {targets.Targets.Count} decoders are fuzzed");
        var reports = targets.Targets.Select(t => DecoderFuzzer.Run(t, InputsPerDecoder, Seed)).ToList();

        Assert.All(reports, r => Assert.True(r.Clean, $"{r.Target}: {r.Crashes} crashes, {r.AppliedThoughRejected} applied though refused; {r.FirstCrash}"));
        Assert.All(reports, r => Assert.True(r.Rejected > 0, $"{r.Target}: no mutated input was refused, so its decoder checks nothing"));
        Assert.All(reports.Where(r => r.Target.StartsWith("message", StringComparison.Ordinal)), r => Assert.True(r.Accepted > 0, $"{r.Target}: not even its seeds were accepted"));
    }

    [Fact]
    public void TheMutator_IsDeterministic_SoAFindingReplaysFromItsSeed()
    {
        byte[][] seeds = [[1, 2, 3, 4, 5, 6, 7, 8], [9, 10]];
        var (a, b) = (new Mutator(5), new Mutator(5));
        for (var i = 0; i < 1000; i++)
        {
            Assert.Equal(a.Next(seeds), b.Next(seeds));
        }

        var (five, six) = (new Mutator(5), new Mutator(6));
        Assert.NotEqual(Enumerable.Range(0, 20).Select(_ => Convert.ToHexString(five.Next(seeds))).ToList(), Enumerable.Range(0, 20).Select(_ => Convert.ToHexString(six.Next(seeds))).ToList());
    }
}

using System.Diagnostics;

namespace OrleansRepl.Fuzzing;

/// <summary>Feeds each target <c>inputs</c> mutated inputs from a fixed seed and counts what became of them.</summary>
public static class DecoderFuzzer
{
    public static FuzzReport Run(FuzzTarget target, long inputs, int seed)
    {
        ArgumentNullException.ThrowIfNull(target);
        var mutator = new Mutator(HashCode.Combine(seed, StableHash(target.Name)));
        var (accepted, rejected, appliedThoughRejected, crashes) = (0L, 0L, 0L, 0L);
        string? firstCrash = null;
        var clock = Stopwatch.StartNew();
        for (var i = 0L; i < inputs; i++)
        {
            var input = mutator.Next(target.Seeds);
            try
            {
                switch (target.Decode(input))
                {
                    case FuzzVerdict.Accepted:
                        accepted++;
                        break;
                    case FuzzVerdict.Rejected:
                        rejected++;
                        break;
                    default:
                        appliedThoughRejected++;
                        firstCrash ??= $"input {i} ({Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 64)))}…) was refused, yet applied in part";
                        break;
                }
            }
            catch (Exception e) when (target.IsRefusal(e))
            {
                rejected++;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                crashes++;
                firstCrash ??= $"input {i} ({input.Length} bytes: {Convert.ToHexString(input.AsSpan(0, Math.Min(input.Length, 64)))}…): {e.GetType().Name}: {e.Message}";
            }
        }

        return new FuzzReport(target.Name, inputs, accepted, rejected, appliedThoughRejected, crashes, clock.Elapsed, firstCrash);
    }

    /// <summary>A name's hash that is the same in every process (string.GetHashCode is not), so a seed replays exactly.</summary>
    private static int StableHash(string name) => name.Aggregate(17, (hash, c) => unchecked((hash * 31) + c));
}

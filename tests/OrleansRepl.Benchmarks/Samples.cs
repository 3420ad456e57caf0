namespace OrleansRepl.Benchmarks;

/// <summary>Summaries of repeated measurements, shared by the whole-system comparisons.</summary>
internal static class Samples
{
    /// <summary>The median; the mean of the middle two for an even count.</summary>
    public static double Median(IEnumerable<double> samples)
    {
        var sorted = samples.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }
}

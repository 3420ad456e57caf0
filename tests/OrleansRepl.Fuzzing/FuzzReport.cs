namespace OrleansRepl.Fuzzing;

/// <summary>One decoder's run: inputs, verdicts, crashes (each must be 0) and the rate.</summary>
public sealed record FuzzReport(string Target, long Inputs, long Accepted, long Rejected, long AppliedThoughRejected, long Crashes, TimeSpan Elapsed, string? FirstCrash)
{
    public double InputsPerSecond => Inputs / Math.Max(Elapsed.TotalSeconds, 1e-9);

    public bool Clean => Crashes == 0 && AppliedThoughRejected == 0;
}

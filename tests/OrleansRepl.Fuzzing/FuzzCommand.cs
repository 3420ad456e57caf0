using System.Globalization;

namespace OrleansRepl.Fuzzing;

/// <summary>
/// <c>fuzz [INPUTS-PER-DECODER] [SEED]</c>: every decoder that reads outside bytes, fed that many mutated inputs from
/// the seed. Prints inputs/s, verdicts, crashes and what was applied from refused input per decoder; exits 1 on any
/// crash or partial apply.
/// </summary>
public static class FuzzCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var inputs = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var seed = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1;
        await using var targets = await DecoderTargets.CreateAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fuzzing {targets.Targets.Count} decoders, {inputs:N0} inputs each, seed {seed}"));
        Console.WriteLine($"{"decoder",-26} {"inputs",12} {"inputs/s",12} {"accepted",10} {"refused",12} {"crashes",8} {"applied though refused",23}");
        var reports = new List<FuzzReport>();
        foreach (var target in targets.Targets)
        {
            var report = DecoderFuzzer.Run(target, inputs, seed);
            reports.Add(report);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{report.Target,-26} {report.Inputs,12:N0} {report.InputsPerSecond,12:N0} {report.Accepted,10:N0} {report.Rejected,12:N0} {report.Crashes,8} {report.AppliedThoughRejected,23}"));
            if (report.FirstCrash is { } crash)
            {
                Console.WriteLine($"  first finding: {crash}");
            }
        }

        var total = reports.Sum(r => r.Inputs);
        var seconds = reports.Sum(r => r.Elapsed.TotalSeconds);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"total: {total:N0} inputs in {seconds:F1} s ({total / seconds:N0}/s); crashes {reports.Sum(r => r.Crashes)}; applied though refused {reports.Sum(r => r.AppliedThoughRejected)}"));
        return reports.All(r => r.Clean) ? 0 : 1;
    }
}

using System.CommandLine;

namespace OrleansRepl.Silo.Bench;

/// <summary><c>orepl-silo idle-bench</c>: the Orleans Dashboard's cost on an idle silo nobody watches (see <see cref="IdleCostBench"/>).</summary>
internal static class IdleCostBenchCommand
{
    public static async Task<int> RunAsync(string[] arguments)
    {
        var seconds = new Option<int>("--seconds") { Description = "How long each variant's CPU is measured.", DefaultValueFactory = _ => 60 };
        var warmUp = new Option<int>("--warm-up") { Description = "How long each variant idles before it is measured.", DefaultValueFactory = _ => 15 };
        foreach (var option in new[] { seconds, warmUp })
        {
            option.Validators.Add(r =>
            {
                if (r.GetValueOrDefault<int>() is < 1 or > 3600)
                {
                    r.AddError($"{option.Name} must be 1..3600, got {r.GetValueOrDefault<int>()}");
                }
            });
        }

        var command = new RootCommand("Measure the Orleans Dashboard's CPU cost on an idle silo.") { seconds, warmUp };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var work = Directory.CreateTempSubdirectory("orepl-idle-").FullName;
            try
            {
                await new IdleCostBench(Console.Out, TimeSpan.FromSeconds(parse.GetValue(warmUp)), TimeSpan.FromSeconds(parse.GetValue(seconds))).RunAsync(work, cancellationToken);
                Directory.Delete(work, recursive: true);
                return 0;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await Console.Error.WriteLineAsync($"orepl-silo idle-bench: the run broke off: {e.GetType().Name}: {e.Message}; the silos' logs are in {work}");
                return 1;
            }
        });
        return await command.Parse(arguments).InvokeAsync();
    }
}

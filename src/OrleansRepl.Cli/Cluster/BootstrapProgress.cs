using System.Globalization;
using OrleansRepl.Grains.Bootstrap;
using Spectre.Console;

namespace OrleansRepl.Cli.Cluster;

/// <summary>Follows a node's bootstrap through its grain until it ends: a live bar on a terminal, a line per tenth otherwise.</summary>
internal static class BootstrapProgress
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    public static async Task<BootstrapStatus> WatchAsync(IBootstrapGrain grain, TextWriter output, CancellationToken cancellationToken)
    {
        if (!Console.IsOutputRedirected && ReferenceEquals(output, Console.Out))
        {
            BootstrapStatus final = null!;
            await AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new DownloadedColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    var bar = context.AddTask("bootstrap", autoStart: true, maxValue: 1);
                    final = await PollAsync(grain, status =>
                    {
                        if (status.Progress is { } p)
                        {
                            bar.MaxValue = Math.Max(p.BytesTotal, 1);
                            bar.Value = p.BytesDone;
                        }
                    }, cancellationToken);
                    bar.Value = bar.MaxValue;
                });
            return final;
        }

        var lastTenth = -1L;
        return await PollAsync(grain, status =>
        {
            if (status.Progress is { BytesTotal: > 0 } p && p.BytesDone * 10 / p.BytesTotal is var tenth && tenth != lastTenth)
            {
                lastTenth = tenth;
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"bootstrap of {status.Node}: {p.BytesDone} of {p.BytesTotal} bytes, {p.MegabytesPerSecond:F1} MB/s{(p.ResumedFrom > 0 ? $", resumed from {p.ResumedFrom}" : "")}"));
                output.Flush();
            }
        }, cancellationToken);
    }

    private static async Task<BootstrapStatus> PollAsync(IBootstrapGrain grain, Action<BootstrapStatus> report, CancellationToken cancellationToken)
    {
        while (true)
        {
            var status = await grain.GetStatusAsync();
            report(status);
            if (status.State is not ("requested" or "running"))
            {
                return status;
            }

            await Task.Delay(Poll, cancellationToken);
        }
    }
}

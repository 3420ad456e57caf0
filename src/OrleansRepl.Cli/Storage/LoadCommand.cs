using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using OrleansRepl.Core.Storage;

namespace OrleansRepl.Cli.Storage;

/// <summary><c>orepl store load</c>: bulk writes of generated records, reporting the rate.</summary>
internal static class LoadCommand
{
    public static Command Create(Option<string> directory)
    {
        var shards = new Option<int>("--shards") { Description = "Shards of a new store (an existing store keeps its own).", DefaultValueFactory = _ => 4 };
        var count = new Option<long>("--count") { Description = "Records to write.", Required = true };
        var keySize = new Option<int>("--key-size") { Description = "Key bytes.", DefaultValueFactory = _ => 16 };
        var valueSize = new Option<int>("--value-size") { Description = "Value bytes.", DefaultValueFactory = _ => 100 };
        var seed = new Option<int>("--seed") { Description = "Seed of the generated keys and values.", DefaultValueFactory = _ => 1 };
        var fsync = new Option<FsyncMode>("--fsync") { Description = "always, interval or never.", DefaultValueFactory = _ => FsyncMode.Interval };
        var batch = new Option<int>("--batch") { Description = "Records per write call (one commit each).", DefaultValueFactory = _ => 1000 };
        var printAcks = new Option<bool>("--print-acks") { Description = "After each commit, print 'acked N' (records acknowledged so far)." };

        var command = new Command("load", "Write generated records and report records/s and MB/s.") { directory, shards, count, keySize, valueSize, seed, fsync, batch, printAcks };
        count.Validators.Add(r => RequireRange(r, "--count", r.GetValueOrDefault<long>(), 1, long.MaxValue));
        keySize.Validators.Add(r => RequireRange(r, "--key-size", r.GetValueOrDefault<int>(), 1, 65536));
        valueSize.Validators.Add(r => RequireRange(r, "--value-size", r.GetValueOrDefault<int>(), 0, 16 << 20));
        batch.Validators.Add(r => RequireRange(r, "--batch", r.GetValueOrDefault<int>(), 1, 1_000_000));

        command.SetAction((parse, cancellationToken) => StoreAccess.RunAsync("load", parse.InvocationConfiguration.Error, async () =>
        {
            var output = parse.InvocationConfiguration.Output;
            var total = parse.GetValue(count);
            var batchSize = parse.GetValue(batch);
            var acks = parse.GetValue(printAcks);
            var generator = new LoadGenerator(parse.GetValue(seed), parse.GetValue(keySize), parse.GetValue(valueSize));
            var progress = new LoadProgress(total, Console.IsOutputRedirected ? null : parse.InvocationConfiguration.Error);
            await using var store = StoreAccess.Open(parse.GetValue(directory)!, parse.GetValue(shards), parse.GetValue(fsync));

            var started = Stopwatch.GetTimestamp();
            long written = 0;
            long bytes = 0;
            var operations = new List<WriteOperation>(batchSize);
            while (written < total)
            {
                operations.Clear();
                for (var i = 0; i < batchSize && written + i < total; i++)
                {
                    var (key, value) = generator.Next();
                    operations.Add(WriteOperation.Put(key, value));
                    bytes += key.Length + value.Length;
                }

                await store.WriteAsync(operations, cancellationToken);
                written += operations.Count;
                if (acks)
                {
                    await output.WriteLineAsync($"acked {written}");
                    await output.FlushAsync(cancellationToken);
                }

                progress.Report(written);
            }

            progress.Done();
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"loaded {written} records ({bytes / 1e6:F1} MB of keys and values) in {seconds:F2} s: {written / seconds:F0} records/s, {bytes / 1e6 / seconds:F1} MB/s"));
            return 0;
        }));
        return command;
    }

    private static void RequireRange(System.CommandLine.Parsing.OptionResult result, string name, long value, long min, long max)
    {
        if (value < min || value > max)
        {
            result.AddError($"{name} must be between {min} and {max}, got {value}");
        }
    }
}

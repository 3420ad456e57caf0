using System.CommandLine;
using System.Text;
using OrleansRepl.Core.Storage.Recovery;

namespace OrleansRepl.Cli.Storage;

/// <summary><c>orepl store</c>: operate a local store directly, for operators and tests.</summary>
internal static class StoreCommand
{
    public static Command Create()
    {
        var directory = new Option<string>("--dir") { Description = "The store directory.", Required = true };
        var store = new Command("store", "Operate a local OrleansRepl store.");
        store.Subcommands.Add(LoadCommand.Create(directory));
        store.Subcommands.Add(Verify(directory));
        store.Subcommands.Add(Root(directory));
        store.Subcommands.Add(Salvage(directory));
        store.Subcommands.Add(Seal(directory));
        store.Subcommands.Add(Put(directory));
        store.Subcommands.Add(Get(directory));
        return store;
    }

    private static Command Verify(Option<string> directory)
    {
        var command = new Command("verify", "Read every record and segment hash without changing anything; report torn tails and damage. Exit 1 on damage.") { directory };
        command.SetAction((parse, ct) => StoreAccess.RunAsync("verify", parse.InvocationConfiguration.Error, async () =>
        {
            var inspection = await StoreInspector.InspectAsync(parse.GetValue(directory)!, StoreAccess.InspectionOptions, ct);
            var output = parse.InvocationConfiguration.Output;
            foreach (var shard in inspection.Shards)
            {
                if (shard.TornTail is { } torn)
                {
                    await output.WriteLineAsync($"shard {shard.Shard}: torn tail of {torn.Bytes} bytes at byte {torn.Offset} of {torn.File} (an unfinished write, never acknowledged; the next open cuts it)");
                }

                if (shard.Damage is { } damage)
                {
                    await parse.InvocationConfiguration.Error.WriteLineAsync($"shard {shard.Shard}: DAMAGED: {damage}");
                }
            }

            await output.WriteLineAsync($"records {inspection.Records}");
            await output.WriteLineAsync($"segments {inspection.Segments}");
            if (inspection.StoreRoot is { } root)
            {
                await output.WriteLineAsync($"root {root}");
                return 0;
            }

            await parse.InvocationConfiguration.Error.WriteLineAsync(
                "orepl store verify: damage found; nothing was changed. Restore the store from a replica, or cut a damaged active log with `orepl store salvage --dir D --shard S`");
            return 1;
        }));
        return command;
    }

    private static Command Root(Option<string> directory)
    {
        var command = new Command("root", "Print the store root: 64 hex digits. Reads the files only; works beside a running store.") { directory };
        command.SetAction((parse, ct) => StoreAccess.RunAsync("root", parse.InvocationConfiguration.Error, async () =>
        {
            var inspection = await StoreInspector.InspectAsync(parse.GetValue(directory)!, StoreAccess.InspectionOptions, ct);
            if (inspection.StoreRoot is not { } root)
            {
                var damaged = inspection.Shards.First(s => s.Damage is not null);
                await parse.InvocationConfiguration.Error.WriteLineAsync($"orepl store root: shard {damaged.Shard} is damaged: {damaged.Damage}");
                return 1;
            }

            await parse.InvocationConfiguration.Output.WriteLineAsync(root.ToString());
            return 0;
        }));
        return command;
    }

    private static Command Salvage(Option<string> directory)
    {
        var shard = new Option<int>("--shard") { Description = "The damaged shard.", Required = true };
        var command = new Command("salvage", "Cut a shard's damaged active log at the damage, keeping the good prefix; the damaged file is moved aside, never deleted.") { directory, shard };
        command.SetAction((parse, ct) => StoreAccess.RunAsync("salvage", parse.InvocationConfiguration.Error, async () =>
        {
            var report = await StoreSalvage.SalvageShardAsync(parse.GetValue(directory)!, parse.GetValue(shard), StoreAccess.InspectionOptions, TimeProvider.System, ct);
            foreach (var line in report.Describe())
            {
                await parse.InvocationConfiguration.Output.WriteLineAsync(line);
            }

            return 0;
        }));
        return command;
    }

    private static Command Seal(Option<string> directory)
    {
        var command = new Command("seal", "Seal every non-empty active segment.") { directory };
        command.SetAction((parse, ct) => StoreAccess.RunAsync("seal", parse.InvocationConfiguration.Error, async () =>
        {
            await using var opened = StoreAccess.OpenExisting(parse.GetValue(directory)!);
            await opened.SealAllAsync(ct);
            await parse.InvocationConfiguration.Output.WriteLineAsync($"sealed; {opened.ListSegments().Count} segments");
            return 0;
        }));
        return command;
    }

    private static Command Put(Option<string> directory)
    {
        var key = new Argument<string>("KEY");
        var value = new Argument<string>("VALUE");
        var command = new Command("put", "Set KEY to VALUE (UTF-8), durably.") { directory, key, value };
        command.SetAction((parse, ct) => StoreAccess.RunAsync("put", parse.InvocationConfiguration.Error, async () =>
        {
            await using var opened = StoreAccess.Open(parse.GetValue(directory)!, newShardCount: 4);
            await opened.PutAsync(Encoding.UTF8.GetBytes(parse.GetValue(key)!), Encoding.UTF8.GetBytes(parse.GetValue(value)!), ct);
            return 0;
        }));
        return command;
    }

    private static Command Get(Option<string> directory)
    {
        var key = new Argument<string>("KEY");
        var command = new Command("get", "Print the value of KEY; exit 1 when it is absent.") { directory, key };
        command.SetAction((parse, ct) => StoreAccess.RunAsync("get", parse.InvocationConfiguration.Error, async () =>
        {
            await using var opened = StoreAccess.OpenExisting(parse.GetValue(directory)!);
            var name = parse.GetValue(key)!;
            if (opened.Get(Encoding.UTF8.GetBytes(name)) is not { } value)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"orepl store get: key \"{name}\" not found");
                return 1;
            }

            await parse.InvocationConfiguration.Output.WriteLineAsync(Encoding.UTF8.GetString(value));
            return 0;
        }));
        return command;
    }
}

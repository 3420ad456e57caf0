using System.CommandLine;
using System.Text;

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
        store.Subcommands.Add(Seal(directory));
        store.Subcommands.Add(Put(directory));
        store.Subcommands.Add(Get(directory));
        return store;
    }

    private static Command Verify(Option<string> directory)
    {
        var command = new Command("verify", "Check every record and segment hash; print counts and the store root.") { directory };
        command.SetAction((parse, ct) => StoreAccess.RunAsync("verify", parse.InvocationConfiguration.Error, async () =>
        {
            await using var opened = StoreAccess.OpenExisting(parse.GetValue(directory)!);
            var report = await opened.VerifyAsync(ct);
            var output = parse.InvocationConfiguration.Output;
            if (opened.OpenReport.DroppedBytes > 0)
            {
                await output.WriteLineAsync($"torn tail cut at open: {opened.OpenReport.DroppedBytes} bytes");
            }

            await output.WriteLineAsync($"records {report.Records}");
            await output.WriteLineAsync($"segments {report.Segments}");
            await output.WriteLineAsync($"root {report.StoreRoot}");
            return 0;
        }));
        return command;
    }

    private static Command Root(Option<string> directory)
    {
        var command = new Command("root", "Print the store root: 64 hex digits.") { directory };
        command.SetAction((parse, ct) => StoreAccess.RunAsync("root", parse.InvocationConfiguration.Error, async () =>
        {
            await using var opened = StoreAccess.OpenExisting(parse.GetValue(directory)!);
            await parse.InvocationConfiguration.Output.WriteLineAsync((await opened.StoreRootAsync(ct)).ToString());
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

using System.CommandLine;
using System.CommandLine.Invocation;
using OrleansRepl.Cli.Checksums;

namespace OrleansRepl.Cli;

/// <summary>The <c>orepl</c> command tree. Standard input and the output writers are injected so tests can run commands in-process.</summary>
internal static class OreplCommand
{
    public static RootCommand Create(Func<Stream> openStandardInput)
    {
        var root = new RootCommand("orepl: operate and inspect an OrleansRepl replication fabric.");
        root.Subcommands.Add(HashCommand.Create(openStandardInput));
        root.Subcommands.Add(Crc32CCommand.Create(openStandardInput));
        root.Subcommands.Add(Storage.StoreCommand.Create());
        root.Subcommands.Add(Replication.FeedCommand.Create());
        root.Subcommands.Add(Replication.FollowCommand.Create());
        root.Subcommands.Add(Replication.SyncCommand.Create());
        root.Subcommands.Add(Replication.SnapshotCommand.Create());
        root.Subcommands.Add(Security.TlsCommand.Create());
        foreach (var command in Cluster.ClusterCommands.Create())
        {
            root.Subcommands.Add(command);
        }

        return root;
    }

    /// <summary>Parses and runs one command line; the exit code is 0 on success and 1 on any error.</summary>
    public static Task<int> RunAsync(string[] args, Func<Stream> openStandardInput, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var parse = Create(openStandardInput).Parse(args);
        // A usage error prints what is wrong, not the whole help text; --help is one keystroke away.
        if (parse.Action is ParseErrorAction parseError)
        {
            parseError.ShowHelp = false;
        }

        return parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error }, cancellationToken);
    }
}

using OrleansRepl.TestKit;

namespace OrleansRepl.Silo.Tests.Deploy;

/// <summary><c>deploy/local-cluster.sh</c> as an operator runs it: silos on a throwaway PostgreSQL, and a stop that leaves nothing.</summary>
public sealed class LocalClusterScriptTests : IDisposable
{
    private readonly TempDirectory _state = new();

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Start_FormsAReplicaSetOnAThrowawayPostgres_AndStop_EndsExactlyWhatItStarted()
    {
        var script = Path.Combine(Repository.Root(), "deploy", "local-cluster.sh");
        var environment = new Dictionary<string, string> { ["OREPL_CLUSTER_DIR"] = _state.Path };

        // The solution is built by the test run itself; the script must not build under it.
        var start = Run(script, ["start", "2", "--throwaway-postgres", "--no-build"], environment);
        Assert.True(start.ExitCode == 0, $"start exited {start.ExitCode}: {start.StandardError}{start.StandardOutput}");
        Assert.Contains("replica set local: epoch 1, 4 shards, 2 nodes", start.StandardOutput);
        Assert.Matches(@"n1\s+serving\s+\S+\s+0,1,2,3", start.StandardOutput);
        Assert.Contains("n2 ", start.StandardOutput);
        Assert.True(ExternalTool.RunProcess("pgrep", ["-f", _state.Path]).ExitCode == 0, "nothing of the cluster is running");

        // TLS on, from a CA the script made: each node says so, and every private key is its owner's alone.
        Assert.Contains("TLS is on", start.StandardOutput);
        Assert.Contains("TLS on every transport", File.ReadAllText(Path.Combine(_state.Path, "n1.log")));
        foreach (var key in (string[])["ca/ca.key", "n1/node.key", "n2/node.key", "client/node.key"])
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_state.Path, "tls", key)));
        }

        // An Orleans cluster on PostgreSQL: the silos' rows in the membership table, the replica set's state in the storage table.
        var connection = File.ReadAllText(Path.Combine(_state.Path, "postgres.connection"));
        Assert.Equal(["n1", "n2"], Query(connection, "SELECT siloname FROM orleansmembershiptable WHERE deploymentid = 'local' AND status = 3 ORDER BY siloname"));
        Assert.Contains("\"Epoch\":1", Assert.Single(Query(connection, "SELECT convert_from(payloadbinary, 'UTF8') FROM orleansstorage WHERE serviceid = 'local' AND graintypestring = 'replicaset'")));

        // orepl as the script's env tells it: through the Orleans client, gateways found in PostgreSQL.
        var orepl = new Dictionary<string, string>();
        foreach (var assignment in Run(script, ["env"], environment).StandardOutput.Replace("export ", "", StringComparison.Ordinal).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            orepl[assignment[..assignment.IndexOf('=', StringComparison.Ordinal)]] = assignment[(assignment.IndexOf('=', StringComparison.Ordinal) + 1)..];
        }

        var load = ExternalTool.RunProcess(ExternalTool.Resolve("dotnet"), [Path.Combine(AppContext.BaseDirectory, "orepl.dll"), "load", "--count", "2000"], orepl);
        Assert.True(load.ExitCode == 0, $"orepl load exited {load.ExitCode}: {load.StandardError}");
        Assert.Matches(@"loaded 2000 records in [\d.]+ s", load.StandardOutput);

        var again = Run(script, ["start", "2", "--throwaway-postgres", "--no-build"], environment);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("a cluster is running (run stop first)", again.StandardError);

        var postgres = File.ReadAllText(Path.Combine(_state.Path, "postgres.dir")).Trim();
        Assert.True(ExternalTool.RunProcess("pgrep", ["-f", postgres]).ExitCode == 0, "the throwaway PostgreSQL is not running");
        var stop = Run(script, ["stop"], environment);
        Assert.True(stop.ExitCode == 0, $"stop exited {stop.ExitCode}: {stop.StandardError}");
        Assert.Contains("stopped", stop.StandardOutput);
        var survivors = ExternalTool.RunProcess("pgrep", ["-fa", _state.Path]);
        Assert.True(survivors.ExitCode == 1, $"left running: {survivors.StandardOutput}");
        Assert.False(File.Exists(Path.Combine(_state.Path, "postgres.dir")), "the throwaway PostgreSQL was not removed");
        Assert.False(Directory.Exists(postgres), $"{postgres} was left");
        Assert.True(ExternalTool.RunProcess("pgrep", ["-f", postgres]).ExitCode == 1, "the throwaway PostgreSQL outlived stop");
        Assert.Contains("nothing started", Run(script, ["stop"], environment).StandardOutput);
    }

    public void Dispose() => _state.Dispose();

    private static List<string> Query(string connection, string sql)
    {
        using var source = Npgsql.NpgsqlDataSource.Create(connection);
        using var command = source.CreateCommand(sql);
        using var reader = command.ExecuteReader();
        var rows = new List<string>();
        while (reader.Read())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    private static ProcessResult Run(string script, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var start = new System.Diagnostics.ProcessStartInfo(script) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), "the script ran for more than 3 minutes");
        return new ProcessResult(process.ExitCode, output.Result, error.Result);
    }
}

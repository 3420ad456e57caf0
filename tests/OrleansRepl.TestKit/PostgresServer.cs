namespace OrleansRepl.TestKit;

/// <summary>
/// A throwaway PostgreSQL 15 server: a fresh cluster made by initdb in a temporary directory, started on a free
/// loopback port (run as user postgres when the tests run as root), stopped and deleted on dispose. Never a
/// server that was already running.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    public const string Binaries = "/usr/lib/postgresql/15/bin";

    private readonly string _root;
    private readonly string _data;

    private PostgresServer(string root, int port)
    {
        _root = root;
        _data = Path.Combine(root, "data");
        Port = port;
    }

    public int Port { get; }

    /// <summary>Npgsql connection string for the cluster's default database, as its superuser over TCP.</summary>
    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=true;Timeout=30";

    public static PostgresServer Start()
    {
        if (!File.Exists(Path.Combine(Binaries, "initdb")))
        {
            throw new InvalidOperationException($"PostgreSQL 15 is not installed ({Binaries}/initdb is missing); ./test.sh installs it when run as root (apt-get install postgresql-15)");
        }

        var root = Directory.CreateTempSubdirectory("orepl-pg-").FullName;
        var server = new PostgresServer(root, LoopbackPort.Free());
        try
        {
            if (Environment.UserName == "root")
            {
                ExternalTool.Run("chown", ["-R", "postgres:postgres", root]);
            }

            server.RunAsServerUser("initdb", ["-D", server._data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"]);
            server.RunAsServerUser("pg_ctl", ["-D", server._data, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60",
                "-o", $"-p {server.Port} -k {root} -c listen_addresses=127.0.0.1", "start"]);
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        try
        {
            if (File.Exists(Path.Combine(_data, "postmaster.pid")))
            {
                RunAsServerUser("pg_ctl", ["-D", _data, "-m", "immediate", "-w", "stop"]);
            }
        }
        finally
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    /// <summary>PostgreSQL refuses to run as root: under root the tools run as postgres.</summary>
    private void RunAsServerUser(string tool, string[] arguments)
    {
        var executable = Path.Combine(Binaries, tool);
        var result = Environment.UserName == "root"
            ? ExternalTool.RunProcess("/usr/sbin/runuser", ["-u", "postgres", "--", executable, .. arguments])
            : ExternalTool.RunProcess(executable, arguments);
        if (result.ExitCode != 0)
        {
            var log = Path.Combine(_root, "server.log");
            throw new InvalidOperationException($"{tool} exited {result.ExitCode}: {result.StandardError}{result.StandardOutput}{(File.Exists(log) ? File.ReadAllText(log) : "")}");
        }
    }
}

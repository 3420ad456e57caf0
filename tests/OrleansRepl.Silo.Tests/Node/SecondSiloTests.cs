using System.Globalization;
using OrleansRepl.Silo.Demo;
using OrleansRepl.TestKit;

namespace OrleansRepl.Silo.Tests.Node;

/// <summary>Node-affine placement needs one live silo per node: a second silo for a node that runs is refused at start-up.</summary>
public sealed class SecondSiloTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task ASecondSiloForARunningNode_ExitsAtStartUp_NamingTheNodeAndTheSiloThatHasIt()
    {
        await using var cluster = new DemoCluster(_directory.Path, 1 << 20, SiloLauncher.Dotnet(ExternalTool.Resolve("dotnet"), Path.Combine(AppContext.BaseDirectory, "orepl-silo.dll")));
        var first = await cluster.StartAsync("n1", TimeSpan.FromSeconds(90), CancellationToken.None);

        // Same node and cluster file, its own ports and data directory: only the membership can tell.
        var second = ExternalTool.RunProcess(ExternalTool.Resolve("dotnet"),
        [
            Path.Combine(AppContext.BaseDirectory, "orepl-silo.dll"), "--Silo:NodeId=n1",
            $"--Silo:ReplicationPort={LoopbackPort.Free().ToString(CultureInfo.InvariantCulture)}",
            $"--Silo:TokenFile={cluster.TokenFile}", $"--Silo:SqlitePath={cluster.MembershipFile}",
            $"--Replication:DataDirectory={_directory.File("second")}", $"--Replication:SecretFile={Path.Combine(cluster.WorkDirectory, "cluster.secret")}",
            $"--Tls:Directory={Path.Combine(cluster.WorkDirectory, "tls", "n1")}",
        ]);

        Assert.Equal(1, second.ExitCode);
        Assert.Contains("node n1 already runs as silo", second.StandardError);
        Assert.Contains($"127.0.0.1:{first.Ports.Silo}", second.StandardError);
        Assert.False(first.HasExited, "the running silo was disturbed");
        Assert.False(Directory.Exists(Path.Combine(_directory.File("second"), "store")), "the refused silo opened a store");
    }

    public void Dispose() => _directory.Dispose();
}

using OrleansRepl.TestKit;

namespace OrleansRepl.Silo.Tests.Demo;

/// <summary>The README's main job: the demo runs its whole tour on SQLite and exits 0, leaving no process behind.</summary>
public sealed class DemoCommandTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task TheDemo_RunsItsTour_ExitsZero_AndLeavesNoSiloBehind()
    {
        var work = Path.Combine(_directory.Path, "demo");
        var result = await Task.Run(() => ExternalTool.RunProcess(ExternalTool.Resolve("dotnet"),
            [Path.Combine(AppContext.BaseDirectory, "orepl-silo.dll"), "demo", "--records", "5000", "--duration", "1", "--dir", work]));

        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}: {result.StandardError}\n{result.StandardOutput}");
        var output = result.StandardOutput;
        Assert.Contains("TLS is on: replication, silo-to-silo, client-to-gateway and HTTPS", output);
        Assert.Contains("loaded 5000 records", output);
        Assert.Contains("n2, n3 match n1", output);
        Assert.Matches(@"n4 bootstrapped: \d+ bytes from n1", output);
        Assert.Matches(@"n3 pulled [1-9]\d* segments from n1 by anti-entropy", output);
        Assert.Contains("diverge-0 on n3: present", output);
        Assert.Contains("tail-0 on n1: absent; after-promotion-9 on n1: present", output);
        Assert.Contains("killed n2's silo", output);
        Assert.Matches(@"failover: no lease renewal from n2 for [\d.]+ s, past the 2000 ms lease; epoch 3: shards [\d,]+ to n", output);
        Assert.Matches(@"writes went on after a pause of [\d.]+ s: 400 acknowledged, 0 lost", output);
        Assert.Contains("replica set main: epoch 3, 4 shards, 4 nodes", output);
        Assert.Contains("last leader change: ", output);
        Assert.Matches(@"leader leases of 2000 ms, replica set grain on n\d's silo", output);
        Assert.Matches(@"Orleans Dashboard: https://127\.0\.0\.1:\d+/dashboard/ and the replication page: https://127\.0\.0\.1:\d+/replication \(every silo serves both; user orepl, password [0-9A-Fa-f]{64}; ", output);
        Assert.Matches(@"try: orepl status --gateway \S+ --token-file \S+ --tls \S+/tls/client", output);
        Assert.Contains("stopped 3 silos cleanly", output);
        Assert.False(Directory.Exists(work), "the work directory was left behind");
        var survivors = ExternalTool.RunProcess("pgrep", ["-f", work]);
        Assert.True(survivors.ExitCode == 1, $"processes of the demo outlived it: {survivors.StandardOutput}");
    }

    [Fact]
    public void ADemoGivenADirectoryThatExists_RefusesIt_AndWritesNothingThere()
    {
        var taken = _directory.File("taken");
        Directory.CreateDirectory(taken);
        var result = ExternalTool.RunProcess(ExternalTool.Resolve("dotnet"), [Path.Combine(AppContext.BaseDirectory, "orepl-silo.dll"), "demo", "--dir", taken]);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"orepl-silo demo: {taken} already exists; name a directory that does not", result.StandardError);
        Assert.Empty(Directory.GetFileSystemEntries(taken));
    }

    [Fact]
    public async Task ADemoKilledOutright_LeavesNoSiloBehind()
    {
        var work = Path.Combine(_directory.Path, "killed");
        using var demo = ExternalTool.Start(ExternalTool.Resolve("dotnet"), [Path.Combine(AppContext.BaseDirectory, "orepl-silo.dll"), "demo", "--records", "1000", "--dir", work]);
        var errors = demo.StandardError.ReadToEndAsync();
        var seen = new System.Text.StringBuilder();
        string? line;
        while ((line = await demo.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(120))) is not null && !line.StartsWith("== 2.", StringComparison.Ordinal))
        {
            seen.AppendLine(line);
        }

        if (line is null)
        {
            Assert.Fail($"the demo ended before its silos were up: {await errors}\n{seen}"); // its stderr ends only when it does
        }

        Assert.True(ExternalTool.RunProcess("pgrep", ["-f", work]).ExitCode == 0, "no silo of the demo is running");
        if (!OperatingSystem.IsWindows())
        {
            const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            Assert.Equal(OwnerOnly | UnixFileMode.UserExecute, File.GetUnixFileMode(work));
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(Path.Combine(work, "cluster.secret")));
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(Path.Combine(work, "api.token")));
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(Path.Combine(work, "tls", "ca", "ca.key")));
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(Path.Combine(work, "tls", "n1", "node.key")));
        }
        demo.Kill(); // SIGKILL: the demo cannot stop its silos; they notice and stop themselves
        await demo.WaitForExitAsync();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (ExternalTool.RunProcess("pgrep", ["-f", work]).ExitCode == 0)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(20), "silos outlived the killed demo by 20 s");
            await Task.Delay(200);
        }
    }

    public void Dispose() => _directory.Dispose();
}

using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using OrleansRepl.Core.Protocol;
using OrleansRepl.Core.Replication.Streaming;
using OrleansRepl.Core.Replication.Streaming.Feeder;
using OrleansRepl.Core.Storage;
using OrleansRepl.TestKit;

namespace OrleansRepl.Cli.Tests.Replication;

/// <summary>The follower process is killed with SIGKILL mid-stream, again and again; the replica still ends identical.</summary>
public sealed class FollowKillTests : IDisposable
{
    private const int Shards = 4;
    private readonly TempDirectory _directory = new();
    private readonly TestCertificates _ca = new();

    [Fact]
    public async Task AFollowerKilledFiveTimesMidStream_EndsIdentical_WithEveryLsnOnce()
    {
        var secretFile = _directory.WriteSecret("secret", "kill test cluster secret, long enough 0123456789\n");
        var options = new StoreOptions { ShardCount = Shards, Fsync = FsyncMode.Never, SegmentRollBytes = 4 << 20 };
        await using var leader = LogStore.Open(_directory.File("leader"), options);
        var batch = new List<WriteOperation>();
        for (var i = 0; i < 400_000; i++)
        {
            batch.Add(WriteOperation.Put(System.Text.Encoding.UTF8.GetBytes($"key-{i}"), new byte[100]));
            if (batch.Count == 1000)
            {
                await leader.WriteAsync(batch);
                batch.Clear();
            }
        }

        await using var feeder = new Feeder(leader, _ca.Secure(new NodeCredentials("orepl", "leader", ClusterSecret.Load(secretFile))), new StreamingOptions(), () => 1, NullLogger<Feeder>.Instance);
        feeder.Start(new IPEndPoint(IPAddress.Loopback, 0));
        var follower = _directory.File("follower");
        string[] follow = ["follow", "--dir", follower, "--leader", feeder.EndPoint.ToString(), "--secret-file", secretFile, "--tls", _ca.Issue("follower").Directory];

        var random = new Random(11);
        for (var kill = 0; kill < 5; kill++)
        {
            using var process = Orepl.Start(follow);
            await Task.Delay(random.Next(150, 450));
            process.Kill(); // SIGKILL
            await process.WaitForExitAsync();
            Assert.Equal(128 + 9, process.ExitCode);
        }

        using var last = Orepl.Start([.. follow, "--until-caught-up"]);
        var output = await last.StandardOutput.ReadToEndAsync();
        await last.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        Assert.True(last.ExitCode == 0, $"follow --until-caught-up exited {last.ExitCode}: {output}{await last.StandardError.ReadToEndAsync()}");
        Assert.Matches(@"caught up: [1-9]\d* records applied", output); // work was left, so the kills landed mid-stream

        await using var replica = LogStore.Open(follower, options);
        Assert.Equal(await leader.StoreRootAsync(), await replica.StoreRootAsync());
        for (var shard = 0; shard < Shards; shard++)
        {
            var expected = 1L;
            while (expected < replica.NextLsn(shard))
            {
                foreach (var record in await replica.ReadLogAsync(shard, expected, maxRecords: 5000))
                {
                    Assert.Equal(expected++, record.Lsn); // contiguous, ascending: every LSN exactly once
                }
            }

            Assert.Equal(leader.NextLsn(shard), replica.NextLsn(shard));
        }
    }

    public void Dispose()
    {
        _ca.Dispose();
        _directory.Dispose();
    }
}

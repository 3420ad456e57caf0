using System.Globalization;
using System.Net;
using OrleansRepl.TestKit;

namespace OrleansRepl.Silo.Tests.Cluster;

/// <summary>A silo whose data directory is a small real file system that fills up: clear 503s naming the shard, then writes again once there is room.</summary>
public sealed class FullDiskTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task AFullDisk_AnswersWritesWith503NamingShardAndCause_AndTakesThemAgainOnceSpaceIsFreed()
    {
        await using var cluster = new TestCluster(postgres.Server, "full");
        Directory.CreateDirectory(cluster.DataDirectory(1));
        using var disk = new TmpfsMount(cluster.DataDirectory(1), 8 << 20);
        await cluster.StartAsync(1);
        await cluster.AddAsync(1);
        var gateway = cluster.Api(1);
        var filler = Path.Combine(disk.Path, "filler");
        await File.WriteAllBytesAsync(filler, new byte[(8 << 20) - (1 << 20)]);

        var value = new byte[4000];
        var acknowledged = new List<string>();
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 2_000 && refused is null; i++)
        {
            var key = string.Create(CultureInfo.InvariantCulture, $"full-{i}");
            var response = await cluster.Http.PutAsync(new Uri(gateway, $"kv/{key}"), new ByteArrayContent(value));
            if (response.StatusCode == HttpStatusCode.NoContent)
            {
                acknowledged.Add(key);
                response.Dispose();
            }
            else
            {
                refused = response;
            }
        }

        Assert.NotNull(refused);
        using (refused)
        {
            var body = await refused.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("ShardFailed", body);
            Assert.Matches("shard \\d+ failed to write its log \\(No space left on device", body);
            Assert.DoesNotContain(disk.Path, body, StringComparison.Ordinal); // the cause, not the file: the log has that
            var id = System.Text.RegularExpressions.Regex.Match(body, @"\(error (?<id>[0-9a-f]{12})\)").Groups["id"].Value;
            Assert.NotEmpty(id);
            await TestCluster.WaitAsync($"error {id} in the silo's log", async () => (await File.ReadAllTextAsync(cluster.Log(1))).Contains($"error {id}: a write to shard", StringComparison.Ordinal));
        }

        Assert.True(acknowledged.Count > 10, $"only {acknowledged.Count} writes fitted before the disk filled");
        File.Delete(filler);
        await TestCluster.WaitAsync("writes to be taken again", async () =>
        {
            using var again = await cluster.Http.PutAsync(new Uri(gateway, "kv/after-space"), new ByteArrayContent(value));
            return again.StatusCode == HttpStatusCode.NoContent;
        });

        foreach (var key in acknowledged)
        {
            Assert.Equal(value, await cluster.Client.GetAsync(key, cluster.Node(1)));
        }

        Assert.True(await cluster.StopAsync(1)); // before the file system goes
    }
}

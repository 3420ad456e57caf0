using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using OrleansRepl.Grains.Keys;
using OrleansRepl.Silo.Pages;
using OrleansRepl.Silo.Tests.Cluster;
using OrleansRepl.TestKit;

namespace OrleansRepl.Silo.Tests.Pages;

/// <summary>
/// The dashboard and the replication page in a real browser: headless Chromium (Debian's, at /usr/bin/chromium,
/// driven by Playwright) against three real silos. Refused without credentials; with them, the dashboard links to
/// the replication page, a paused follower's lag rises on the chart and falls once it resumes, and a bootstrap
/// held part way shows its progress. Screenshots go to <c>OREPL_SCREENSHOTS</c> when set (the README's come from here).
/// </summary>
public sealed class ReplicationPageBrowserTests : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly TempDirectory _directory = new();

    [Fact]
    public async Task InChromium_TheDashboardLinksToTheReplicationPage_WhichShowsLagRiseAndFall_AndABootstrapsProgress()
    {
        await BrowserInstalledAsync();
        await using var cluster = new TestCluster(null, "web", settings: new Dictionary<string, string> { ["Silo:Dashboard"] = "true" });
        await cluster.StartAsync(1);
        await cluster.AddAsync(1);
        await cluster.StartAsync(2);

        // Node 2 is in the topology behind a proxy that holds what it sends after 2.5 MiB, so a bootstrap from it stops part way.
        await using var proxy = new FaultProxy(cluster.ReplicationEndPoint(2)) { PauseAtByte = 5 << 19 };
        proxy.Start();
        await cluster.AddAsync(2, address: proxy.EndPoint.ToString());
        await cluster.Client.LoadAsync(Enumerable.Range(0, 1_000).Select(i => KeyValuePair.Create($"web-{i}", new byte[200])), acks: 1);

        var token = (await File.ReadAllTextAsync(cluster.TokenFile)).Trim();
        var site = cluster.Api(1);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            // Root in a container needs --no-sandbox; the rest keep Chromium off a network this machine does not have.
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });

        // The cluster's CA is its own: the browser is told to proceed rather than given the CA.
        await using (var stranger = await browser.NewContextAsync(new BrowserNewContextOptions { IgnoreHTTPSErrors = true }))
        {
            // The browser gets a Basic challenge it has nothing to answer with: the page does not load.
            var refused = await Assert.ThrowsAsync<PlaywrightException>(() => stranger.NewPageAsync().ContinueWith(p => p.Result.GotoAsync(new Uri(site, ReplicationPage.Path).ToString())).Unwrap());
            Assert.Contains("ERR_INVALID_AUTH_CREDENTIALS", refused.Message);
            Assert.Equal(401, (await stranger.APIRequest.GetAsync(new Uri(site, ReplicationPage.StatePath).ToString())).Status);
        }

        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            IgnoreHTTPSErrors = true,
            HttpCredentials = new HttpCredentials { Username = "orepl", Password = token },
            ViewportSize = new ViewportSize { Width = 1400, Height = 1000 },
        });
        var page = await context.NewPageAsync();
        Assert.Equal(200, (await page.GotoAsync(new Uri(site, "/dashboard/").ToString()))!.Status);
        await page.Locator("#menu a").First.WaitForAsync(); // the dashboard's own script has drawn its menu
        await ScreenshotAsync(page, "dashboard.png");

        await page.Locator($"#{DashboardLink.LinkId}").ClickAsync();
        await page.WaitForURLAsync("**/replication");
        await page.Locator("#followers tr[data-follower]").First.WaitForAsync();
        Assert.Contains("replica set", await page.Locator("#summary").InnerTextAsync());

        // Paused, node 2 falls behind while writes go on: its lag rises on the chart; resumed, it falls back to 0.
        await cluster.SetPausedAsync(2, paused: true);
        await WriteForAsync(cluster, TimeSpan.FromSeconds(3));
        var risen = await WaitForChartAsync(page, lag => lag > 1_000, "node 2's lag to rise above 1,000 records on the chart");
        var row = await page.Locator($"#followers tr[data-follower=\"{cluster.Node(2)}\"][data-shard=\"0\"]").InnerTextAsync();
        Assert.Matches(@"paused[\s\S]*≈ [\d.,]+ (KiB|MiB)", row); // behind in bytes too, as the leader counts them
        await ScreenshotAsync(page, "replication-lag.png");
        await cluster.SetPausedAsync(2, paused: false);
        await WaitForChartAsync(page, lag => lag == 0, $"node 2's lag (it reached {risen:N0}) to fall back to 0 on the chart");

        // A bootstrap of node 3 from node 2, held at 2.5 MiB by the proxy: its row shows part of the snapshot. Node 2
        // first holds 4 MiB more, whatever the lag phase managed to write on a loaded machine, so the snapshot is larger.
        await cluster.Client.LoadAsync(Enumerable.Range(0, 4_096).Select(i => KeyValuePair.Create($"bulk-{i}", new byte[1 << 10])), acks: 1);
        await cluster.StartAsync(3);
        await cluster.Client.Grains.Bootstrap(cluster.Node(3)).StartAsync(cluster.Node(2), "browser test");
        var bar = page.Locator($"#bootstraps tr[data-bootstrap=\"{cluster.Node(3)}\"] .bar");
        try
        {
            await bar.WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
        }
        catch (TimeoutException)
        {
            var status = await cluster.Client.Grains.Bootstrap(cluster.Node(3)).GetStatusAsync();
            Assert.Fail($"no progress bar for {cluster.Node(3)}'s bootstrap within 60 s; the page's bootstraps read \"{await page.Locator("#bootstraps").InnerTextAsync()}\", " +
                $"the grain says {status}; the proxy carried {proxy.DownstreamBytes:N0} bytes from {cluster.Node(2)}. The end of {cluster.Node(3)}'s log:\n{string.Join('\n', File.ReadLines(cluster.Log(3)).TakeLast(40))}");
        }

        var fraction = double.Parse((await bar.GetAttributeAsync("data-fraction"))!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(fraction, double.Epsilon, 0.999);
        Assert.Contains("MiB of", await page.Locator($"#bootstraps tr[data-bootstrap=\"{cluster.Node(3)}\"]").InnerTextAsync());
        await ScreenshotAsync(page, "replication-bootstrap.png");
        proxy.Resume();
        await page.Locator($"#bootstraps tr[data-bootstrap=\"{cluster.Node(3)}\"] td:nth-child(2)").Filter(new LocatorFilterOptions { HasText = "complete" })
            .WaitForAsync(new LocatorWaitForOptions { Timeout = 60_000 });
    }

    public void Dispose() => _directory.Dispose();

    /// <summary>Waits for Debian's chromium, which test.sh installs beside the build; fails with the install's log if it never comes.</summary>
    private static async Task BrowserInstalledAsync()
    {
        var log = Environment.GetEnvironmentVariable("OREPL_BROWSER_INSTALL_LOG");
        for (var waited = TimeSpan.Zero; !File.Exists(Chromium); waited += TimeSpan.FromSeconds(1))
        {
            if (waited > TimeSpan.FromMinutes(4) || log is null || !File.Exists(log))
            {
                var tail = log is not null && File.Exists(log) ? string.Join('\n', File.ReadLines(log).TakeLast(15)) : "no install was started (run ./test.sh as root, or apt-get install chromium)";
                Assert.Fail($"{Chromium} is missing after {waited.TotalSeconds:0} s; the install said: {tail}");
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Batches of writes for <paramref name="length"/>, acknowledged by the leader alone (the follower is paused).</summary>
    private static async Task WriteForAsync(TestCluster cluster, TimeSpan length)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (var batch = 0; clock.Elapsed < length; batch++)
        {
            await cluster.Client.LoadAsync(Enumerable.Range(0, 500).Select(i => KeyValuePair.Create($"lag-{batch}-{i}", Encoding.UTF8.GetBytes("v"))));
        }
    }

    /// <summary>Waits until the lag chart's latest value for node 2, summed over its shards, satisfies <paramref name="wanted"/>; returns it.</summary>
    private static async Task<double> WaitForChartAsync(IPage page, Func<double, bool> wanted, string what)
    {
        var last = double.NaN;
        await Poll.UntilAsync(async () =>
        {
            var json = await page.Locator("#lag-chart").GetAttributeAsync("data-last");
            var values = json is null ? [] : JsonSerializer.Deserialize<Dictionary<string, double?>>(json) ?? [];
            var ours = values.Where(v => v.Key.StartsWith("web2/", StringComparison.Ordinal)).ToList();
            last = ours.Count == 0 ? double.NaN : ours.Sum(v => v.Value ?? 0);
            return ours.Count > 0 && wanted(last);
        }, TimeSpan.FromSeconds(60), what);
        return last;
    }

    private async Task ScreenshotAsync(IPage page, string name)
    {
        var directory = Environment.GetEnvironmentVariable("OREPL_SCREENSHOTS") is { Length: > 0 } chosen ? chosen : _directory.Path;
        Directory.CreateDirectory(directory);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(directory, name), FullPage = true });
    }
}

using System.Diagnostics;
using OrleansRepl.TestKit;

namespace OrleansRepl.Core.Tests.TestKit;

/// <summary>The suite's process runner: a process that overruns is killed and says what it printed.</summary>
public sealed class ExternalToolTests
{
    [Fact]
    public void AProcessPastItsPatience_IsKilled_AndTheErrorCarriesWhatItPrinted()
    {
        var waited = Stopwatch.StartNew();
        var error = Assert.Throws<TimeoutException>(() => ExternalTool.RunProcess(
            ExternalTool.Resolve("sh"), ["-c", "echo reached step 2; echo step 2 is slow >&2; sleep 60"], new Dictionary<string, string>(), null, TimeSpan.FromSeconds(1)));

        Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), $"the overrun took {waited.Elapsed} to end");
        Assert.Contains("did not finish within 1 s", error.Message);
        Assert.Contains("it printed:\nreached step 2", error.Message);
        Assert.Contains("and on stderr:\nstep 2 is slow", error.Message);
    }
}

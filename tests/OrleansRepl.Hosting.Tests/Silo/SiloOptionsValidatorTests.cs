using OrleansRepl.Hosting.Silo;

namespace OrleansRepl.Hosting.Tests.Silo;

public sealed class SiloOptionsValidatorTests
{
    [Fact]
    public void ASoundConfiguration_Passes() =>
        Assert.True(new SiloOptionsValidator().Validate(null, new SiloOptions { NodeId = "node-a", GatewayToken = "0123456789abcdef" }).Succeeded);

    [Fact]
    public void EachBadSetting_IsNamedByItsKey_WithTheReason()
    {
        var result = new SiloOptionsValidator().Validate(null, new SiloOptions
        {
            NodeId = "../etc",
            GatewayPort = 70000,
            GatewayToken = "short",
            Storage = "mysql",
            HeartbeatIntervalSeconds = 5,
            DeadAfterSeconds = 6,
        });

        Assert.True(result.Failed);
        var failures = result.Failures!.ToList();
        Assert.Contains("Silo:NodeId must be 1-128 characters of [A-Za-z0-9._-] without '..', got \"../etc\"", failures);
        Assert.Contains("Silo:GatewayPort must be 0-65535, got 70000", failures);
        Assert.Contains("Silo:GatewayToken must be at least 16 characters (or set Silo:GatewayTokenFile)", failures);
        Assert.Contains("Silo:Storage must be \"sqlite\" or \"postgres\", got \"mysql\"", failures);
        Assert.Contains("Silo:DeadAfterSeconds must be at least two heartbeats (10 s), got 6", failures);
    }
}

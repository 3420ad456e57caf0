using Microsoft.Extensions.Options;
using OrleansRepl.Silo;
using OrleansRepl.Silo.Demo;

// orepl-silo                 one silo; settings from appsettings.json, then --config=FILE (JSON), then
//                            OREPL_-prefixed environment variables (OREPL_Silo__NodeId=n1), then --Section:Key=value
//                            arguments (--Silo:NodeId=n1 --Replication:SecretFile=secret); later sources win
// orepl-silo demo [options]  a local demo cluster (see DemoCommand)
// orepl-silo chaos [options] crash-and-restart cycles under load, then a check that nothing was lost (see ChaosCommand)
// orepl-silo failover-bench [options]  acks latency, follower lag and failover time on 3 nodes (see FailoverBenchCommand)
// orepl-silo idle-bench [options]      the Orleans Dashboard's CPU cost on an idle silo (see IdleCostBenchCommand)
if (args is ["demo", .. var demoArguments])
{
    return await DemoCommand.RunAsync(demoArguments);
}

if (args is ["failover-bench", .. var benchArguments])
{
    return await OrleansRepl.Silo.Bench.FailoverBenchCommand.RunAsync(benchArguments);
}

if (args is ["idle-bench", .. var idleArguments])
{
    return await OrleansRepl.Silo.Bench.IdleCostBenchCommand.RunAsync(idleArguments);
}

if (args is ["chaos", .. var chaosArguments])
{
    return await OrleansRepl.Silo.Chaos.ChaosCommand.RunAsync(chaosArguments);
}

// appsettings.json ships beside the binary; the working directory is where relative data paths resolve.
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
if (new ConfigurationBuilder().AddCommandLine(args).Build()["config"] is { } file)
{
    if (!File.Exists(file))
    {
        await Console.Error.WriteLineAsync($"orepl-silo: the settings file --config={file} does not exist");
        return 1;
    }

    builder.Configuration.AddJsonFile(Path.GetFullPath(file), optional: false);
}

builder.Configuration.AddEnvironmentVariables("OREPL_");
builder.Configuration.AddCommandLine(args);
try
{
    builder.AddReplicationNode();
    var app = builder.Build();
    app.MapReplicationNode();
    await app.RunAsync();
    return 0;
}
catch (OrleansException e)
{
    // A start-up refusal (another live silo holds this node, the database is unreachable): the innermost message says why.
    var inner = e as Exception;
    while (inner.InnerException is not null)
    {
        inner = inner.InnerException;
    }

    await Console.Error.WriteLineAsync($"orepl-silo: {(inner == e ? e.Message : $"{e.Message}: {inner.Message}")}");
    return 1;
}
catch (OptionsValidationException e)
{
    await Console.Error.WriteLineAsync($"orepl-silo: invalid configuration: {string.Join("; ", e.Failures)}");
    return 1;
}

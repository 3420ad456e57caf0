using Microsoft.Extensions.Options;
using OrleansRepl.Hosting.Membership;
using OrleansRepl.Silo;
using OrleansRepl.Silo.Demo;

// orepl-silo                 one silo; settings from appsettings.json, OREPL_-prefixed environment variables and
//                            --Section:Key=value arguments (e.g. --Silo:NodeId=n1 --Replication:SecretFile=secret)
// orepl-silo demo [options]  a local demo cluster (see DemoCommand)
if (args is ["demo", .. var demoArguments])
{
    return await DemoCommand.RunAsync(demoArguments);
}

// appsettings.json ships beside the binary; the working directory is where relative data paths resolve.
var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Configuration.AddEnvironmentVariables("OREPL_");
try
{
    builder.AddReplicationNode();
    var app = builder.Build();
    app.MapReplicationNode();
    await app.RunAsync();
    return 0;
}
catch (SiloFencedException e)
{
    await Console.Error.WriteLineAsync($"orepl-silo: {e.Message}");
    return 1;
}
catch (OptionsValidationException e)
{
    await Console.Error.WriteLineAsync($"orepl-silo: invalid configuration: {string.Join("; ", e.Failures)}");
    return 1;
}

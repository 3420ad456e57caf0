using System.Text.Json;
using OrleansRepl.Hosting;
using OrleansRepl.Hosting.Membership;
using OrleansRepl.Hosting.Silo;
using OrleansRepl.TestSilo;

var builder = WebApplication.CreateSlimBuilder(args);
try
{
    builder.AddReplicationSilo(grains: o => o.StateJson = new JsonSerializerOptions { TypeInfoResolver = TallyJson.Default });
    builder.Services.AddGrain<ITallyGrain, TallyGrain>();
    var app = builder.Build();
    app.MapReplicationSilo();
    await app.RunAsync();
    return 0;
}
catch (SiloFencedException e)
{
    await Console.Error.WriteLineAsync($"test silo: {e.Message}");
    return 1;
}
catch (Microsoft.Extensions.Options.OptionsValidationException e)
{
    await Console.Error.WriteLineAsync($"test silo: invalid configuration: {string.Join("; ", e.Failures)}");
    return 1;
}

using System.Text.Json.Serialization;

namespace OrleansRepl.TestSilo;

/// <summary>A grain that keeps a durable running total, and says which node served it.</summary>
public interface ITallyGrain : IGrainWithStringKey
{
    Task<int> AddAsync(int amount);

    Task<int> TotalAsync();

    Task<string> ServedByAsync();
}

public sealed class TallyState
{
    public int Total { get; set; }
}

public sealed class TallyGrain([PersistentState("tally")] IPersistentState<TallyState> tally, Microsoft.Extensions.Options.IOptions<Hosting.Silo.SiloOptions> silo) : Grain, ITallyGrain
{
    public async Task<int> AddAsync(int amount)
    {
        tally.State.Total += amount;
        await tally.WriteStateAsync();
        return tally.State.Total;
    }

    public Task<int> TotalAsync() => Task.FromResult(tally.State.Total);

    public Task<string> ServedByAsync() => Task.FromResult(silo.Value.NodeId);
}

[JsonSerializable(typeof(TallyState))]
internal sealed partial class TallyJson : JsonSerializerContext;

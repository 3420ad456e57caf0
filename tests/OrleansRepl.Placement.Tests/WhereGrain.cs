namespace OrleansRepl.Placement.Tests;

/// <summary>A node-affine grain that says where it runs and counts calls in memory (a new activation starts at 0).</summary>
public interface IWhereGrain : IGrainWithStringKey
{
    Task<string> SiloAsync();

    Task<int> CountAsync();
}

[NodeAffinePlacement]
public sealed class WhereGrain(ILocalSiloDetails silo) : Grain, IWhereGrain
{
    private int _calls;

    public Task<string> SiloAsync() => Task.FromResult(silo.Name);

    public Task<int> CountAsync() => Task.FromResult(++_calls);
}

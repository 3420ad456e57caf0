using Orleans.Concurrency;

namespace OrleansRepl.Grains.Topology;

/// <summary>
/// Reads the local silo's membership snapshot, which gossip keeps current. Orleans' management grain was not used
/// for this: under CPU load its list of active silos was seen to lag every silo's own membership by over a minute.
/// </summary>
[StatelessWorker(1)]
public sealed class MembershipViewGrain(IClusterMembershipService membership) : Grain, IMembershipViewGrain
{
    public Task<string[]> ActiveNodesAsync() => Task.FromResult(membership.CurrentSnapshot.Members.Values
        .Where(m => m.Status == SiloStatus.Active)
        .Select(m => m.Name)
        .Order(StringComparer.Ordinal)
        .ToArray());
}

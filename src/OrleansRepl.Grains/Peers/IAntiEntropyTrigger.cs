namespace OrleansRepl.Grains.Peers;

/// <summary>What a silo running anti-entropy loops offers its <see cref="IPeerGrain"/>s: start a cycle now.</summary>
public interface IAntiEntropyTrigger
{
    /// <summary>Starts a cycle with <paramref name="peer"/> now; false when this node runs no loop for it.</summary>
    bool SyncNow(string peer);
}

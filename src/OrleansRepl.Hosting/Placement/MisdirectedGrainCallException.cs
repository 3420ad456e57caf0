namespace OrleansRepl.Hosting;

/// <summary>A call reached a silo that does not own the grain and may not forward it (it was forwarded already, or there is no route).</summary>
public sealed class MisdirectedGrainCallException(string grain, string owner, string local)
    : Exception($"{grain} lives on node {owner}; this silo is node {local} and does not forward this call");

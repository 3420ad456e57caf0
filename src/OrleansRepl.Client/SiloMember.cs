namespace OrleansRepl.Client;

/// <summary>A silo as the membership lists it.</summary>
public sealed record SiloMember(string SiloId, string NodeId, string Host, int GatewayPort, int ReplicationPort, string Status, long Generation)
{
    /// <summary>Active or joining: it answers calls.</summary>
    public bool IsLive => Status is "Active" or "Joining";

    public Uri Gateway => new($"http://{Host}:{GatewayPort}/");
}

using OrleansRepl.TestKit;

namespace OrleansRepl.Silo.Tests.Cluster;

/// <summary>One throwaway PostgreSQL for a test class; each test uses its own node ids and replica set.</summary>
public sealed class PostgresFixture : IDisposable
{
    public PostgresServer Server { get; } = PostgresServer.Start();

    public void Dispose() => Server.Dispose();
}

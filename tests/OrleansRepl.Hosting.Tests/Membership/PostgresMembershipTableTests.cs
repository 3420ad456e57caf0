using OrleansRepl.Hosting.Membership;
using OrleansRepl.Hosting.Tests.Persistence;

namespace OrleansRepl.Hosting.Tests.Membership;

/// <summary>The membership contract on a real, throwaway PostgreSQL 15 server.</summary>
public sealed class PostgresMembershipTableTests(PostgresGrainStorageTests.Server server) : MembershipTableContract, IClassFixture<PostgresGrainStorageTests.Server>
{
    protected override IMembershipTable NewTable() => new PostgresMembershipTable(server.DataSource);
}

using Microsoft.Data.Sqlite;
using OrleansRepl.Hosting.Membership;
using OrleansRepl.Hosting.Persistence;
using OrleansRepl.TestKit;

namespace OrleansRepl.Hosting.Tests.Membership;

/// <summary>The membership contract on a real SQLite file.</summary>
public sealed class SqliteMembershipTableTests : MembershipTableContract, IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    protected override IMembershipTable NewTable() => new SqliteMembershipTable(new SqliteGrainStorage(_directory.File("cluster.db")));
}

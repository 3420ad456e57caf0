namespace OrleansRepl.TestKit;

/// <summary>The repository the tests were built from, for tests of its scripts and deploy files.</summary>
public static class Repository
{
    /// <summary>The directory holding <c>OrleansRepl.sln</c>, above the test's own.</summary>
    public static string Root()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "OrleansRepl.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no repository root (OrleansRepl.sln) above {AppContext.BaseDirectory}");
    }
}

namespace OrleansRepl.Silo.Demo;

/// <summary>How to start a silo process: an executable and the arguments before the silo's own.</summary>
internal sealed record SiloLauncher(string FileName, IReadOnlyList<string> Prefix)
{
    /// <summary>This very executable: the apphost, or <c>dotnet orepl-silo.dll</c> when run through dotnet.</summary>
    public static SiloLauncher Self()
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which executable this is");
        return Path.GetFileNameWithoutExtension(path) == "dotnet" ? new(path, [typeof(SiloLauncher).Assembly.Location]) : new(path, []);
    }

    /// <summary><c>dotnet {assembly}</c>, the silo assembly from another process (tests).</summary>
    public static SiloLauncher Dotnet(string dotnet, string assembly) => new(dotnet, [assembly]);
}

using Microsoft.Extensions.Options;
using OrleansRepl.Persistence;

namespace OrleansRepl.Silo.Hosting;

/// <summary>
/// Installs (idempotently) the schema the Orleans ADO.NET providers read their queries from, before anything in the
/// silo touches membership or grain state: PostgreSQL, or on the embedded default the machine's shared SQLite file
/// and this node's own.
/// </summary>
internal sealed partial class SchemaInstaller(IOptions<SiloHostOptions> options, NodeStateFile stateFile, ILogger<SchemaInstaller> logger) : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SchemaInstaller), ServiceLifecycleStage.First, InstallAsync);

    private async Task InstallAsync(CancellationToken cancellationToken)
    {
        var silo = options.Value;
        if (silo.Storage == "postgres")
        {
            await OrleansSchema.ApplyPostgresAsync(silo.PostgresConnectionString, cancellationToken);
            LogInstalled(logger, "PostgreSQL", silo.RedactedPostgres());
            return;
        }

        foreach (var file in (string[])[Path.GetFullPath(silo.SqlitePath), stateFile.Path])
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await OrleansSchema.ApplySqliteAsync($"Data Source={file}", cancellationToken);
            LogInstalled(logger, "SQLite", file);
        }
    }

    [LoggerMessage(EventId = 1200, Level = LogLevel.Information, Message = "the Orleans ADO.NET schema is in place on {Database} {Where}")]
    private static partial void LogInstalled(ILogger logger, string database, string where);
}

/// <summary>The SQLite file holding the state of this node's own grains (embedded default).</summary>
internal sealed record NodeStateFile(string Path);

using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace OrleansRepl.Grains.Tests;

/// <summary>
/// The project's own log lines (categories under <c>OrleansRepl</c>) of an in-process cluster, the newest
/// <see cref="Capacity"/> kept, each prefixed with its silo's node: a failed assertion can carry what the grains said.
/// </summary>
internal sealed class RecentLog
{
    public const int Capacity = 400;

    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>A provider for the silo of <paramref name="node"/>.</summary>
    public ILoggerProvider For(string node) => new Provider(this, node);

    /// <summary>The last <paramref name="count"/> lines, oldest first, one per line.</summary>
    public string Tail(int count = 40) => string.Join(Environment.NewLine, _lines.TakeLast(count));

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > Capacity && _lines.TryDequeue(out _))
        {
        }
    }

    private sealed class Provider(RecentLog log, string node) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) =>
            categoryName.StartsWith("OrleansRepl", StringComparison.Ordinal) ? new Logger(log, $"{node} {categoryName[(categoryName.LastIndexOf('.') + 1)..]}") : NullLogger.Instance;

        public void Dispose()
        {
        }
    }

    private sealed class Logger(RecentLog log, string source) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            ArgumentNullException.ThrowIfNull(formatter);
            if (IsEnabled(logLevel))
            {
                log.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {source} [{eventId.Id}] {formatter(state, exception)}");
            }
        }
    }
}

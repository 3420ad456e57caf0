using System.Buffers;

namespace OrleansRepl.Cli.Checksums;

/// <summary>Receives one piece of an input; the span is valid only during the call.</summary>
internal delegate void ChunkHandler(ReadOnlySpan<byte> chunk);

/// <summary>Streams a named file, or standard input for <c>-</c>, through a handler in large pieces from one pooled buffer.</summary>
internal static class InputReader
{
    public const string StandardInputName = "-";

    /// <summary>4 MiB: from this size a BLAKE3 update is spread over cores (see <c>Blake3Hasher.JoinThreshold</c>).</summary>
    private const int BufferSize = 4 << 20;

    public static void ReadAll(string path, Func<Stream> openStandardInput, ChunkHandler handler, CancellationToken cancellationToken)
    {
        using var stream = path == StandardInputName
            ? openStandardInput()
            : new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int read;
            while ((read = stream.Read(buffer, 0, BufferSize)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                handler(buffer.AsSpan(0, read));
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>A one-line description of why a file could not be read, naming the file.</summary>
    public static string Describe(string path, Exception error) => error switch
    {
        FileNotFoundException or DirectoryNotFoundException => $"{path}: no such file or directory",
        UnauthorizedAccessException => $"{path}: permission denied or is a directory",
        IOException io => $"{path}: {io.Message}",
        _ => $"{path}: {error.Message}",
    };
}

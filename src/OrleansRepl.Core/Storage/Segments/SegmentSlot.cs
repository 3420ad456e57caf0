using Microsoft.Win32.SafeHandles;

namespace OrleansRepl.Core.Storage.Segments;

/// <summary>
/// One segment file as the index refers to it. The path changes once, when the active segment is sealed
/// and renamed; a read handle opened before that keeps working, because it refers to the file, not the name.
/// </summary>
internal sealed class SegmentSlot(string path) : IDisposable
{
    private readonly Lock _gate = new();
    private SafeFileHandle? _reader;

    public string Path { get; set; } = path;

    public SafeFileHandle Reader
    {
        get
        {
            lock (_gate)
            {
                return _reader ??= File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _reader?.Dispose();
            _reader = null;
        }
    }
}

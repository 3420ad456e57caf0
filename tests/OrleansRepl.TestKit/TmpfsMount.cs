using System.Globalization;

namespace OrleansRepl.TestKit;

/// <summary>
/// A small tmpfs of its own, mounted for one test so a real file system can fill up; unmounted on dispose.
/// Mounting needs root, as tests run here and in CI; anywhere else the test fails saying so.
/// </summary>
public sealed class TmpfsMount : IDisposable
{
    private readonly TempDirectory? _parent;

    /// <summary>Mounts a tmpfs of <paramref name="bytes"/> in a temporary directory of its own.</summary>
    public TmpfsMount(long bytes)
        : this(null, bytes)
    {
    }

    /// <summary>Mounts a tmpfs of <paramref name="bytes"/> over the existing directory <paramref name="path"/> (a new one when null).</summary>
    public TmpfsMount(string? path, long bytes)
    {
        if (path is null)
        {
            _parent = new TempDirectory();
            path = System.IO.Path.Combine(_parent.Path, "tmpfs");
            Directory.CreateDirectory(path);
        }

        Path = path;
        var mount = ExternalTool.RunProcess(ExternalTool.Resolve("mount"), ["-t", "tmpfs", "-o", string.Create(CultureInfo.InvariantCulture, $"size={bytes}"), "tmpfs", Path]);
        if (mount.ExitCode != 0)
        {
            throw new InvalidOperationException($"mounting a {bytes}-byte tmpfs at {Path} failed (this test needs root): {mount.StandardError}");
        }
    }

    public string Path { get; }

    public void Dispose()
    {
        ExternalTool.RunProcess(ExternalTool.Resolve("umount"), ["--lazy", Path]); // lazy: detached even while a process still holds a file there
        _parent?.Dispose();
    }
}

namespace OrleansRepl.TestKit;

/// <summary>A directory of its own for one test, deleted with everything in it on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = Directory.CreateTempSubdirectory("orepl-test-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>A secret or token file: created readable by its owner only, as a node requires of one.</summary>
    public string WriteSecret(string name, string contents)
    {
        var path = File(name);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var file = new FileStream(path, options);
        file.Write(System.Text.Encoding.UTF8.GetBytes(contents));
        return path;
    }

    /// <summary>Writes <paramref name="contents"/> to a file named <paramref name="name"/> here and returns its path.</summary>
    public string Write(string name, string contents)
    {
        var path = File(name);
        System.IO.File.WriteAllText(path, contents);
        return path;
    }

    /// <summary>Copies the store in <paramref name="from"/> (here or anywhere) to <paramref name="to"/>, leaving out its LOCK file.</summary>
    public static void CopyStore(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories).Where(f => System.IO.Path.GetFileName(f) != "LOCK"))
        {
            var target = System.IO.Path.Combine(to, System.IO.Path.GetRelativePath(from, file));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            System.IO.File.Copy(file, target);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

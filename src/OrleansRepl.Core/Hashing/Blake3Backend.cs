namespace OrleansRepl.Core.Hashing;

/// <summary>Which compression kernel hashes runs of whole chunks and parents.</summary>
internal enum Blake3Backend
{
    /// <summary>One block at a time on scalar words; runs everywhere.</summary>
    Portable,

    /// <summary>Eight blocks at a time on 256-bit vectors.</summary>
    Avx2,
}

internal static class Blake3Backends
{
    /// <summary>The fastest backend this processor supports.</summary>
    public static readonly Blake3Backend Best = Blake3Avx2.IsSupported ? Blake3Backend.Avx2 : Blake3Backend.Portable;

    /// <summary>Backends a test may force; excludes those this processor cannot run.</summary>
    public static IEnumerable<Blake3Backend> Supported()
    {
        yield return Blake3Backend.Portable;
        if (Blake3Avx2.IsSupported)
        {
            yield return Blake3Backend.Avx2;
        }
    }
}

using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace OrleansRepl.Core.Storage.Files;

/// <summary>Small JSON files that are replaced whole and atomically: cursors, manifests.</summary>
internal static class JsonFile
{
    /// <summary>The value in <paramref name="path"/>, or null when there is no file; one that does not parse is named as damaged.</summary>
    public static async ValueTask<T?> ReadIfPresentAsync<T>(string path, JsonTypeInfo<T> type, string what, CancellationToken cancellationToken)
        where T : class
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize(await File.ReadAllBytesAsync(path, cancellationToken), type)
                ?? throw new InvalidDataException($"{what} {path} is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{what} {path} is damaged: {e.Message}", e);
        }
    }

    /// <summary>Replaces <paramref name="path"/> with <paramref name="value"/>: temp file, fsync, rename, directory fsync.</summary>
    public static void Replace<T>(string path, T value, JsonTypeInfo<T> type) =>
        DurableFile.Replace(path, JsonSerializer.SerializeToUtf8Bytes(value, type));
}

namespace OrleansRepl.Grains;

/// <summary>
/// Core's records (cursors, checkpoints, intents) cross grain calls and grain state without Orleans attributes:
/// Core is the data plane and stays free of Orleans. Every silo and client registers Orleans' System.Text.Json
/// codec for exactly these types (<c>AddJsonSerializer(isSupported: CoreRecords.Travel)</c>).
/// </summary>
public static class CoreRecords
{
    public static bool Travel(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return type.Namespace?.StartsWith("OrleansRepl.Core", StringComparison.Ordinal) == true;
    }
}

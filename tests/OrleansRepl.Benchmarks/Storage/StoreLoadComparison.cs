using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using OrleansRepl.Core.Storage;

namespace OrleansRepl.Benchmarks.Storage;

/// <summary>
/// Bulk load of the same records into a <see cref="LogStore"/> and into SQLite, in one run, and the open
/// time of the loaded store. SQLite runs the way a careful application would: WAL, synchronous=NORMAL,
/// a 256 MiB page cache (its 2 MiB default thrashes on random keys and would flatter the ratio),
/// one key→value table, a prepared insert, one transaction per batch. Rounds alternate the two.
/// </summary>
public static class StoreLoadComparison
{
    private const int KeySize = 16;
    private const int ValueSize = 100;
    private const int BatchSize = 1000;

    public static async Task<int> RunAsync(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        if (count < 1 || rounds < 1)
        {
            Console.Error.WriteLine($"usage: store-vs-sqlite [COUNT >= 1] [ROUNDS >= 1]; got count {count}, rounds {rounds}");
            return 2;
        }

        var (keys, values) = Generate(count);
        var work = Directory.CreateTempSubdirectory("orepl-bench-");
        try
        {
            var ours = new List<double>();
            var sqlite = new List<double>();
            var opens = new List<double>();
            for (var round = 1; round <= rounds; round++)
            {
                var storeDirectory = Path.Combine(work.FullName, $"store-{round}");
                ours.Add(await LoadStoreAsync(storeDirectory, keys, values));
                sqlite.Add(LoadSqlite(Path.Combine(work.FullName, $"sqlite-{round}.db"), keys, values));
                opens.Add(await OpenStoreAsync(storeDirectory, count));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"round {round}: LogStore {count / ours[^1]:F0} records/s, SQLite {count / sqlite[^1]:F0} records/s, open {opens[^1] * 1000:F0} ms"));
                Directory.Delete(storeDirectory, recursive: true);
            }

            var oursRate = count / Samples.Median(ours);
            var sqliteRate = count / Samples.Median(sqlite);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"records: {count} x ({KeySize} B key + {ValueSize} B value), batches of {BatchSize}, {rounds} rounds, medians"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"LogStore (4 shards, fsync=interval)          {oursRate,12:F0} records/s"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"SQLite (WAL, sync=NORMAL, 256 MiB cache)     {sqliteRate,12:F0} records/s"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio (LogStore / SQLite): {oursRate / sqliteRate:F2}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"open of a {count}-record store: {Samples.Median(opens) * 1000:F0} ms (median)"));
            return 0;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static (byte[][] Keys, byte[][] Values) Generate(int count)
    {
        var random = new Random(1);
        var keys = new byte[count][];
        var values = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            keys[i] = new byte[KeySize];
            values[i] = new byte[ValueSize];
            random.NextBytes(keys[i]);
            random.NextBytes(values[i]);
        }

        return (keys, values);
    }

    private static async Task<double> LoadStoreAsync(string directory, byte[][] keys, byte[][] values)
    {
        var started = Stopwatch.GetTimestamp();
        await using (var store = LogStore.Open(directory, new StoreOptions { ShardCount = 4, Fsync = FsyncMode.Interval }))
        {
            var batch = new List<WriteOperation>(BatchSize);
            for (var i = 0; i < keys.Length; i += BatchSize)
            {
                batch.Clear();
                for (var j = i; j < Math.Min(i + BatchSize, keys.Length); j++)
                {
                    batch.Add(WriteOperation.Put(keys[j], values[j]));
                }

                await store.WriteAsync(batch);
            }
        }

        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static double LoadSqlite(string path, byte[][] keys, byte[][] values)
    {
        var started = Stopwatch.GetTimestamp();
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            Execute(connection, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-262144; CREATE TABLE kv (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;");
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT OR REPLACE INTO kv (key, value) VALUES ($key, $value)";
            var key = insert.Parameters.Add("$key", SqliteType.Blob);
            var value = insert.Parameters.Add("$value", SqliteType.Blob);
            insert.Prepare();
            for (var i = 0; i < keys.Length; i += BatchSize)
            {
                using var transaction = connection.BeginTransaction();
                insert.Transaction = transaction;
                for (var j = i; j < Math.Min(i + BatchSize, keys.Length); j++)
                {
                    key.Value = keys[j];
                    value.Value = values[j];
                    insert.ExecuteNonQuery();
                }

                transaction.Commit();
            }
        }

        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    private static async Task<double> OpenStoreAsync(string directory, int expectedKeys)
    {
        await using var store = LogStore.Open(directory, new StoreOptions { ShardCount = 4 });
        if (store.OpenReport.IndexedKeys != expectedKeys)
        {
            throw new InvalidOperationException($"reopened store indexes {store.OpenReport.IndexedKeys} keys, expected {expectedKeys}");
        }

        return store.OpenReport.Elapsed.TotalSeconds;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

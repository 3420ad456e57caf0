using BenchmarkDotNet.Running;
using OrleansRepl.Benchmarks;
using OrleansRepl.Benchmarks.Storage;

// Micro-benchmarks (BenchmarkDotNet):
//   dotnet run -c Release --project tests/OrleansRepl.Benchmarks -- --filter '*'
// Whole-system comparisons, printed as ratios against a peer measured in the same run:
//   dotnet run -c Release --project tests/OrleansRepl.Benchmarks -- store-vs-sqlite [COUNT] [ROUNDS]
//   dotnet run -c Release --project tests/OrleansRepl.Benchmarks -- anti-entropy [SEGMENTS] [DIFFERING] [ROUNDS]
//   dotnet run -c Release --project tests/OrleansRepl.Benchmarks -- snapshot [MIB] [ROUNDS]
if (args is ["store-vs-sqlite", .. var rest])
{
    return await StoreLoadComparison.RunAsync(rest);
}

if (args is ["snapshot", .. var sizes])
{
    return await OrleansRepl.Benchmarks.Replication.SnapshotComparison.RunAsync(sizes);
}

if (args is ["anti-entropy", .. var options])
{
    return await OrleansRepl.Benchmarks.Replication.AntiEntropyComparison.RunAsync(options);
}

BenchmarkSwitcher.FromAssembly(typeof(HashingConfig).Assembly).Run(args, new HashingConfig());
return 0;

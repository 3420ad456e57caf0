using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace OrleansRepl.Benchmarks;

/// <summary>Defaults for every benchmark here: allocations measured, and throughput shown beside the times.</summary>
public sealed class HashingConfig : ManualConfig
{
    public HashingConfig()
    {
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(new ThroughputColumn());
        Add(DefaultConfig.Instance);
    }

    /// <summary>GB/s from the mean time and the <c>Size</c> parameter (bytes hashed per operation).</summary>
    private sealed class ThroughputColumn : IColumn
    {
        public string Id => nameof(ThroughputColumn);

        public string ColumnName => "GB/s";

        public bool AlwaysShow => true;

        public ColumnCategory Category => ColumnCategory.Custom;

        public int PriorityInCategory => 0;

        public bool IsNumeric => true;

        public UnitType UnitType => UnitType.Dimensionless;

        public string Legend => "Bytes processed per second, in units of 10^9";

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase)
        {
            var size = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == "Size")?.Value;
            var mean = summary[benchmarkCase]?.ResultStatistics?.Mean;
            return size is int bytes && mean is > 0 ? (bytes / mean.Value).ToString("F2", System.Globalization.CultureInfo.InvariantCulture) : "-";
        }

        public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style) => GetValue(summary, benchmarkCase);

        public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

        public bool IsAvailable(Summary summary) => true;
    }
}

using OrleansRepl.Core.Storage;

namespace OrleansRepl.Client.Cluster;

/// <summary>What <see cref="KeyValueBatch.Parse"/> made of a batch body: its operations, or why none of it is taken.</summary>
/// <param name="Operations">Every entry in order; null when the batch is refused.</param>
/// <param name="Problem">Why the batch is refused, naming the entry and the byte; null when it is taken.</param>
/// <param name="TooManyOperations">Refused for its number of entries alone (413), not for its form (400).</param>
public readonly record struct KeyValueBatchParse(IReadOnlyList<WriteOperation>? Operations, string? Problem, bool TooManyOperations);

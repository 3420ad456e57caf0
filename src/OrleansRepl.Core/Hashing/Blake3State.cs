using System.Numerics;

namespace OrleansRepl.Core.Hashing;

/// <summary>
/// The incremental BLAKE3 tree state, kept as a struct so that one-shot hashing runs on the stack
/// without allocating and <see cref="Blake3Hasher"/> can embed it.
/// </summary>
/// <remarks>
/// Chunks are merged into the chaining-value stack lazily: a value is merged only when more input shows
/// it is not the last, because the last chunk or parent must be finalized with the root flag instead.
/// Whole chunks that arrive in one update go through <see cref="Blake3HashMany"/> as subtrees of up to
/// <see cref="MaxSubtreeChunks"/> chunks, which is what lets the wide kernels work on many at once.
/// </remarks>
internal partial struct Blake3State
{
    /// <summary>Largest subtree hashed in one go; bounds the stack buffer to 4 KiB of chaining values.</summary>
    public const int MaxSubtreeChunks = 128;

    private readonly CvWords _key;
    private readonly uint _flags;
    private readonly Blake3Backend _backend;

    private CvWords _chunkCv;
    private ulong _chunkCounter;
    private BlockBytes _block;
    private int _blockLength;
    private int _blocksCompressed;

    private CvStack _stack;
    private int _stackLength;

    public Blake3State(in CvWords key, uint flags, Blake3Backend backend)
    {
        _key = key;
        _flags = flags;
        _backend = backend;
        _chunkCv = key;
    }

    private readonly int ChunkLength => (_blocksCompressed * Blake3Constants.BlockSize) + _blockLength;

    public void Reset()
    {
        _chunkCv = _key;
        _chunkCounter = 0;
        _blockLength = 0;
        _blocksCompressed = 0;
        _stackLength = 0;
    }

    public void Update(ReadOnlySpan<byte> input)
    {
        if (ChunkLength > 0)
        {
            var take = Math.Min(Blake3Constants.ChunkSize - ChunkLength, input.Length);
            UpdateChunk(input[..take]);
            input = input[take..];
            if (input.IsEmpty)
            {
                return;
            }

            // The chunk is full and more input follows, so it is not the root.
            var cv = FinishChunk();
            PushChainingValue(cv, _chunkCounter);
            StartChunk(_chunkCounter + 1);
        }

        Span<byte> children = stackalloc byte[2 * Blake3Constants.CvSize];

        // Keep at least one byte back: the final chunk must stay in the chunk state for finalization.
        while (input.Length > Blake3Constants.ChunkSize)
        {
            var wholeChunks = (uint)Math.Min(input.Length / Blake3Constants.ChunkSize, MaxSubtreeChunks);
            var subtreeChunks = 1 << BitOperations.Log2(wholeChunks);
            // A subtree must start at a multiple of its own size to be a node of the final tree.
            while ((_chunkCounter & (ulong)(subtreeChunks - 1)) != 0)
            {
                subtreeChunks /= 2;
            }

            var subtreeBytes = subtreeChunks * Blake3Constants.ChunkSize;
            if (subtreeChunks == 1)
            {
                UpdateChunk(input[..subtreeBytes]);
                PushChainingValue(FinishChunk(), _chunkCounter);
            }
            else
            {
                HashSubtree(input[..subtreeBytes], subtreeChunks, children);
                PushChainingValue(children[..Blake3Constants.CvSize], _chunkCounter);
                PushChainingValue(children[Blake3Constants.CvSize..], _chunkCounter + ((ulong)subtreeChunks / 2));
            }

            StartChunk(_chunkCounter + (ulong)subtreeChunks);
            input = input[subtreeBytes..];
        }

        if (!input.IsEmpty)
        {
            // Input remains, so no pair on the stack can be the root's children any more: merge them
            // now, or finalization would attach this chunk to the wrong sibling.
            MergeStack(_chunkCounter);
            UpdateChunk(input);
        }
    }

    /// <summary>The root node; callers read the digest or any stretch of extended output from it.</summary>
    public readonly Blake3Output Finalize()
    {
        if (_stackLength == 0)
        {
            return ChunkOutput();
        }

        // When the last update ended on a subtree boundary the chunk state is empty and the
        // top two stack entries are the root's children.
        Blake3Output output;
        int remaining;
        if (ChunkLength > 0)
        {
            output = ChunkOutput();
            remaining = _stackLength;
        }
        else
        {
            output = Blake3Output.ParentOf(_stack[_stackLength - 2], _stack[_stackLength - 1], _key, _flags);
            remaining = _stackLength - 2;
        }

        while (remaining > 0)
        {
            output = Blake3Output.ParentOf(_stack[remaining - 1], output.ChainingValue(), _key, _flags);
            remaining--;
        }

        return output;
    }

    /// <summary>The two children of a subtree of whole chunks, each hashed a level at a time on the wide kernel.</summary>
    private readonly void HashSubtree(ReadOnlySpan<byte> chunks, int chunkCount, Span<byte> children)
    {
        Span<byte> cvs = stackalloc byte[MaxSubtreeChunks * Blake3Constants.CvSize];
        Blake3HashMany.Chunks(_backend, chunks, chunkCount, _key, _chunkCounter, _flags, cvs);
        for (var level = chunkCount; level > 2; level /= 2)
        {
            Blake3HashMany.Parents(_backend, cvs[..(level * Blake3Constants.CvSize)], level / 2, _key, _flags, cvs);
        }

        cvs[..(2 * Blake3Constants.CvSize)].CopyTo(children);
    }

    /// <summary>
    /// Pushes the chaining value of the subtree that starts at chunk <paramref name="firstChunk"/>, first
    /// merging every completed pair: the stack of a tree of n chunks holds exactly popcount(n) subtrees.
    /// </summary>
    private void PushChainingValue(ReadOnlySpan<byte> cv, ulong firstChunk) =>
        PushChainingValue(CvWords.FromBytes(cv), firstChunk);

    private void PushChainingValue(in CvWords cv, ulong firstChunk)
    {
        MergeStack(firstChunk);
        _stack[_stackLength++] = cv;
    }

    /// <summary>Merges completed pairs until the stack holds one entry per set bit of <paramref name="chunksBefore"/>.</summary>
    private void MergeStack(ulong chunksBefore)
    {
        var keep = BitOperations.PopCount(chunksBefore);
        while (_stackLength > keep)
        {
            _stack[_stackLength - 2] = Blake3Output.ParentOf(_stack[_stackLength - 2], _stack[_stackLength - 1], _key, _flags).ChainingValue();
            _stackLength--;
        }
    }
}

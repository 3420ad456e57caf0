namespace OrleansRepl.Core.Hashing;

/// <summary>The current chunk: up to 16 blocks compressed one at a time, the last one held back.</summary>
internal partial struct Blake3State
{
    private void StartChunk(ulong counter)
    {
        _chunkCv = _key;
        _chunkCounter = counter;
        _blockLength = 0;
        _blocksCompressed = 0;
    }

    private readonly uint ChunkStartFlag => _blocksCompressed == 0 ? Blake3Constants.ChunkStart : 0;

    /// <summary>Adds bytes to the current chunk; the caller never passes more than the chunk has room for.</summary>
    private void UpdateChunk(ReadOnlySpan<byte> input)
    {
        while (!input.IsEmpty)
        {
            // A full buffered block is compressed only once more input proves it is not the chunk's last.
            if (_blockLength == Blake3Constants.BlockSize)
            {
                Blake3Compress.InPlace(ref _chunkCv, _block, _chunkCounter, Blake3Constants.BlockSize, _flags | ChunkStartFlag);
                _blocksCompressed++;
                _blockLength = 0;
            }

            // Whole blocks that are not the last one bypass the buffer.
            while (_blockLength == 0 && input.Length > Blake3Constants.BlockSize)
            {
                Blake3Compress.InPlace(ref _chunkCv, input[..Blake3Constants.BlockSize], _chunkCounter, Blake3Constants.BlockSize, _flags | ChunkStartFlag);
                _blocksCompressed++;
                input = input[Blake3Constants.BlockSize..];
            }

            var take = Math.Min(Blake3Constants.BlockSize - _blockLength, input.Length);
            input[..take].CopyTo(((Span<byte>)_block)[_blockLength..]);
            _blockLength += take;
            input = input[take..];
        }
    }

    /// <summary>The current chunk as a node, its last block zero-padded as the specification requires.</summary>
    private readonly Blake3Output ChunkOutput()
    {
        var output = default(Blake3Output);
        output.InputCv = _chunkCv;
        ((ReadOnlySpan<byte>)_block)[.._blockLength].CopyTo(output.Block);
        output.Counter = _chunkCounter;
        output.BlockLength = (uint)_blockLength;
        output.Flags = _flags | ChunkStartFlag | Blake3Constants.ChunkEnd;
        return output;
    }

    private readonly CvWords FinishChunk() => ChunkOutput().ChainingValue();
}

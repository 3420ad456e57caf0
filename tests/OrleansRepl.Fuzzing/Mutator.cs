using System.Buffers.Binary;

namespace OrleansRepl.Fuzzing;

/// <summary>
/// Makes inputs from valid seeds, deterministically from its seed: bit flips, bytes set to edge values, 32-bit fields
/// set to edge lengths, cuts, insertions, spliced copies, and now and then bytes with no seed at all.
/// </summary>
public sealed class Mutator(int seed)
{
    private static readonly byte[] EdgeBytes = [0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF, (byte)'{', (byte)'"', (byte)'\n'];
    private static readonly uint[] EdgeWords = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE];
    private readonly Random _random = new(seed);

    /// <summary>One input: a mutation of a seed from <paramref name="seeds"/>, or (one time in twenty) random bytes.</summary>
    public byte[] Next(IReadOnlyList<byte[]> seeds)
    {
        if (seeds.Count == 0 || _random.Next(20) == 0)
        {
            var noise = new byte[_random.Next(0, 64)];
            _random.NextBytes(noise);
            return noise;
        }

        var input = new List<byte>(seeds[_random.Next(seeds.Count)]);
        var mutations = 1 + _random.Next(4);
        for (var i = 0; i < mutations; i++)
        {
            Mutate(input, seeds);
        }

        return [.. input];
    }

    private void Mutate(List<byte> input, IReadOnlyList<byte[]> seeds)
    {
        var at = input.Count == 0 ? 0 : _random.Next(input.Count);
        switch (_random.Next(8))
        {
            case 0 when input.Count > 0:
                input[at] ^= (byte)(1 << _random.Next(8));
                break;
            case 1 when input.Count > 0:
                input[at] = EdgeBytes[_random.Next(EdgeBytes.Length)];
                break;
            case 2 when input.Count >= 4:
                Span<byte> word = stackalloc byte[4];
                var value = _random.Next(3) == 0 ? (uint)(input.Count + _random.Next(-8, 9)) : EdgeWords[_random.Next(EdgeWords.Length)];
                BinaryPrimitives.WriteUInt32LittleEndian(word, value);
                at = Math.Min(at, input.Count - 4);
                for (var i = 0; i < 4; i++)
                {
                    input[at + i] = word[i];
                }

                break;
            case 3:
                input.RemoveRange(at, input.Count - at); // cut short
                break;
            case 4 when input.Count > 0:
                input.RemoveRange(at, Math.Min(input.Count - at, 1 + _random.Next(16)));
                break;
            case 5:
                var inserted = new byte[1 + _random.Next(16)];
                _random.NextBytes(inserted);
                input.InsertRange(at, inserted);
                break;
            case 6:
                var other = seeds[_random.Next(seeds.Count)];
                if (other.Length > 0)
                {
                    var from = _random.Next(other.Length);
                    input.InsertRange(at, other.Skip(from).Take(1 + _random.Next(Math.Min(64, other.Length - from))));
                }

                break;
            default:
                if (input.Count > 1)
                {
                    var (a, b) = (_random.Next(input.Count), _random.Next(input.Count));
                    (input[a], input[b]) = (input[b], input[a]);
                }

                break;
        }
    }
}

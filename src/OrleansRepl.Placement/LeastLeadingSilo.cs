namespace OrleansRepl.Placement;

/// <summary>The choice <see cref="AwayFromLeadersPlacement"/> makes, for the director and for a grain asking whether to move.</summary>
public static class LeastLeadingSilo
{
    /// <summary>The active silos of <paramref name="membership"/> that <paramref name="compatible"/> admits (all when null), with their nodes.</summary>
    public static List<(SiloAddress Silo, string Node)> Active(IClusterMembershipService membership, IReadOnlySet<SiloAddress>? compatible = null)
    {
        ArgumentNullException.ThrowIfNull(membership);
        return [.. membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active && (compatible is null || compatible.Contains(m.SiloAddress)))
            .Select(m => (m.SiloAddress, m.Name))];
    }

    /// <summary>
    /// Of <paramref name="candidates"/> (silos and their nodes), the one whose node leads the fewest shards by
    /// <paramref name="shardsLed"/> (a node it does not name leads none); ties go to <paramref name="preferred"/>, then by node name.
    /// </summary>
    public static SiloAddress Choose(IReadOnlyCollection<(SiloAddress Silo, string Node)> candidates, IReadOnlyDictionary<string, int>? shardsLed, SiloAddress? preferred)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        if (candidates.Count == 0)
        {
            throw new InvalidOperationException("no active silo to place a replica set grain on");
        }

        return candidates
            .OrderBy(c => Led(c.Node, shardsLed))
            .ThenBy(c => c.Silo.Equals(preferred) ? 0 : 1)
            .ThenBy(c => c.Node, StringComparer.Ordinal)
            .First().Silo;
    }

    /// <summary>How many shards <paramref name="node"/> leads by <paramref name="shardsLed"/>.</summary>
    public static int Led(string node, IReadOnlyDictionary<string, int>? shardsLed) => shardsLed?.GetValueOrDefault(node) ?? 0;
}

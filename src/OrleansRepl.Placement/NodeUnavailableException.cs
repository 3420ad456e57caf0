namespace OrleansRepl.Placement;

/// <summary>A node-affine grain was called while its node has no active silo; it is never activated elsewhere.</summary>
[GenerateSerializer]
public sealed class NodeUnavailableException : OrleansException
{
    public NodeUnavailableException(string node, string grain, IEnumerable<string> activeNodes)
        : base($"node {node} has no active silo, so grain {grain} (which runs only on node {node}) cannot be activated; active nodes: {string.Join(", ", activeNodes.DefaultIfEmpty("none"))}")
    {
        Node = node;
    }

    public NodeUnavailableException()
    {
        Node = "";
    }

    public NodeUnavailableException(string message)
        : base(message)
    {
        Node = "";
    }

    public NodeUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
        Node = "";
    }

    [Id(0)]
    public string Node { get; private set; }
}

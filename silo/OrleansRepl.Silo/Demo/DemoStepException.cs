namespace OrleansRepl.Silo.Demo;

/// <summary>A demo step did not reach what it waits for within its time.</summary>
internal sealed class DemoStepException(string message) : Exception(message);

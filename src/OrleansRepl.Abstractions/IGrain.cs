namespace OrleansRepl;

/// <summary>A grain interface. Its methods return <see cref="Task"/>, <see cref="Task{T}"/>, <see cref="ValueTask"/> or <see cref="ValueTask{T}"/>.</summary>
public interface IGrain;

/// <summary>A grain identified by a string key. A key that starts <c>{node}/</c> places the grain on that node.</summary>
public interface IGrainWithStringKey : IGrain;

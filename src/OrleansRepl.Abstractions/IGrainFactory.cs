namespace OrleansRepl;

/// <summary>Hands out references to grains. A reference is cheap; the grain activates on its first call.</summary>
public interface IGrainFactory
{
    TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : IGrainWithStringKey;
}

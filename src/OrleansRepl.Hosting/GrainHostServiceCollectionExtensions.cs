using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OrleansRepl.Hosting.Persistence;
using OrleansRepl.Hosting.Runtime;

namespace OrleansRepl.Hosting;

/// <summary>Registering the grain host and grain classes in a service collection.</summary>
public static class GrainHostServiceCollectionExtensions
{
    /// <summary>Adds the runtime with <paramref name="storage"/> for grain state; <paramref name="configure"/> sets the options.</summary>
    public static IServiceCollection AddGrainHost(this IServiceCollection services, IGrainStorage storage, Action<GrainHostOptions>? configure = null)
    {
        var options = new GrainHostOptions();
        configure?.Invoke(options);
        services.TryAddSingleton(new GrainTypeRegistry());
        services.AddSingleton(storage);
        services.AddSingleton(options);
        services.AddSingleton<GrainRuntime>();
        services.AddSingleton<IGrainFactory>(sp => sp.GetRequiredService<GrainRuntime>());
        return services;
    }

    /// <summary>Registers <typeparamref name="TGrain"/> as the implementation of <typeparamref name="TInterface"/>.</summary>
    public static IServiceCollection AddGrain<TInterface, TGrain>(this IServiceCollection services)
        where TInterface : IGrainWithStringKey
        where TGrain : Grain, TInterface
    {
        var registry = services.FirstOrDefault(d => d.ServiceType == typeof(GrainTypeRegistry))?.ImplementationInstance as GrainTypeRegistry;
        if (registry is null)
        {
            registry = new GrainTypeRegistry();
            services.AddSingleton(registry);
        }

        registry.Add<TInterface, TGrain>();
        return services;
    }
}

using Actors.Encoder;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the content encoder with a service collection.</summary>
public static class EncoderServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="EncoderOptions"/> to the <c>Encoder</c> configuration section and registers one
    /// <see cref="TextEncoder"/> and one <see cref="BatchingTextEncoder"/> over it, both singletons. The options are
    /// validated when the host starts (<see cref="EncoderOptions.GetValidationErrors"/>), so a bad value stops the host
    /// with a message naming its key (<c>Encoder:MaxTokens</c>), instead of failing the first call that needs the encoder.
    /// </summary>
    public static IServiceCollection AddTextEncoder(this IServiceCollection services, Action<EncoderOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<EncoderOptions>().BindConfiguration(EncoderOptions.SectionName);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.AddSingleton<IValidateOptions<EncoderOptions>, EncoderOptionsValidator>();
        services.AddSingleton(static sp => new TextEncoder(
            sp.GetRequiredService<IOptions<EncoderOptions>>().Value,
            sp.GetService<ILogger<TextEncoder>>()));
        services.AddSingleton(static sp => new BatchingTextEncoder(
            sp.GetRequiredService<TextEncoder>(),
            sp.GetRequiredService<IOptions<EncoderOptions>>().Value));
        return services;
    }

    /// <summary>The checks <see cref="EncoderOptions.GetValidationErrors"/> makes, each failure prefixed with its section.</summary>
    private sealed class EncoderOptionsValidator : IValidateOptions<EncoderOptions>
    {
        public ValidateOptionsResult Validate(string? name, EncoderOptions options)
        {
            ArgumentNullException.ThrowIfNull(options);
            var errors = options.GetValidationErrors();
            return errors.Count == 0
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(errors.Select(e => $"{EncoderOptions.SectionName}:{e}"));
        }
    }
}

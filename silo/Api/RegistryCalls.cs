using Microsoft.AspNetCore.Http.HttpResults;

namespace Actors.Silo.Api;

/// <summary>What a model registry call gave: its value, or the answer its refusal maps to.</summary>
internal readonly record struct RegistryCall<T>(T Value, ValidationProblem? Invalid = null, ProblemHttpResult? Refused = null)
{
    public bool Failed => Invalid is not null || Refused is not null;
}

/// <summary>
/// The one place the registry grain's refusals become HTTP answers (<see cref="IModelRegistryGrain"/> changes nothing
/// when it refuses): <see cref="ArgumentException"/> (bad input) a 400 keyed by its <c>ParamName</c>,
/// <see cref="KeyNotFoundException"/> (an unknown version or experiment) a 404, <see cref="InvalidOperationException"/>
/// (a state that does not allow it) a 409, each with the grain's message. Anything else is left to the exception
/// handler (503 for a cluster that does not answer, else 500).
/// </summary>
internal static class RegistryCalls
{
    /// <param name="call">The grain call.</param>
    /// <param name="keyOf">The key of a 400 given the exception's <c>ParamName</c> (null when it names none): the field of the request it means.</param>
    public static async Task<RegistryCall<T>> CallAsync<T>(Func<Task<T>> call, Func<string?, string> keyOf)
    {
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(keyOf);
        try
        {
            return new(await call());
        }
        catch (ArgumentException ex)
        {
            return new(default!, Invalid: ValidationErrors.One(keyOf(string.IsNullOrEmpty(ex.ParamName) ? null : ex.ParamName), MessageOf(ex)));
        }
        catch (KeyNotFoundException ex)
        {
            return new(default!, Refused: ApiProblems.NotFound(ex.Message));
        }
        catch (InvalidOperationException ex) when (!ClusterUnavailableHandler.IsClusterUnavailable(ex))
        {
            return new(default!, Refused: ApiProblems.Conflict(ex.Message));
        }
    }

    /// <summary>The message without the " (Parameter 'x')" suffix .NET appends: the problem keys it by that parameter already.</summary>
    private static string MessageOf(ArgumentException exception)
    {
        var message = exception.Message;
        var suffix = $" (Parameter '{exception.ParamName}')";
        return exception.ParamName is not null && message.EndsWith(suffix, StringComparison.Ordinal) ? message[..^suffix.Length] : message;
    }
}

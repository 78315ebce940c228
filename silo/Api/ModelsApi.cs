using Actors.Silo.Api.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Actors.Silo.Api;

/// <summary>
/// The model registry over HTTP (<see cref="IModelRegistryGrain"/>, key 0): list, upload, activate and roll back model
/// versions, and start, read and stop an experiment. Requests are checked here first (a 400 keyed by the field, before
/// any grain call); what the registry refuses is mapped in one place, <see cref="RegistryCalls"/>. Every write needs
/// the API key and is refused from another site's page (<see cref="CrossSiteFilter"/>).
/// </summary>
internal static class ModelsApi
{
    public static WebApplication MapModelsApi(this WebApplication app)
    {
        // Read once, for the endpoint's size limit: a bad value fails the start, not the first upload.
        var maxModelBytes = app.Services.GetRequiredService<IOptions<ApiOptions>>().Value.MaxModelBytes;
        if (maxModelBytes <= 0)
        {
            throw new InvalidOperationException($"Api:MaxModelBytes must be positive; it is {maxModelBytes}.");
        }

        var models = app.MapGroup("/models").WithTags("Models");
        models.MapGet("", ListModelsAsync).WithName("ListModels")
            .WithSummary("Every model version with its status and index progress, the serving one and the experiment").AsRead();
        models.MapGet("/{version}", GetModelAsync).WithName("GetModel").WithSummary("One model version")
            .AsRead().ProducesProblem(StatusCodes.Status404NotFound);
        models.MapPost("", UploadModelAsync).WithName("UploadModel")
            .WithSummary("Upload a model artifact (form parts manifest and weights); validated and stored, not yet serving")
            .WithModelUploadBody().WithRequestSizeLimit(maxModelBytes).AsModelWrite(readsBody: true)
            .ProducesProblem(StatusCodes.Status409Conflict);
        models.MapPost("/{version}/activate", ActivateModelAsync).WithName("ActivateModel")
            .WithSummary("Build a version's index in the background and make it serve once complete")
            .AsModelWrite(readsBody: false).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        models.MapPost("/rollback", RollbackAsync).WithName("RollbackModel")
            .WithSummary("Serve the previous version again, or cancel the activation in progress")
            .AsModelWrite(readsBody: false).ProducesProblem(StatusCodes.Status409Conflict);

        var experiments = app.MapGroup("/experiments").WithTags("Experiments");
        experiments.MapGet("", GetExperimentAsync).WithName("GetExperiment")
            .WithSummary("The running experiment with each arm's served answers, events, hits and hit rate").AsRead()
            .ProducesProblem(StatusCodes.Status404NotFound);
        experiments.MapPost("", StartExperimentAsync).WithName("StartExperiment")
            .WithSummary("Split the users between two or more model versions by share")
            .WithJsonBody(typeof(ExperimentRequest)).AsModelWrite(readsBody: true)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        experiments.MapPost("/{name}/stop", StopExperimentAsync).WithName("StopExperiment")
            .WithSummary("Stop the experiment; the arm named in promote serves afterwards, else the serving version stays")
            .WithJsonBody(required: false, typeof(StopExperimentRequest)).AsModelWrite(readsBody: true)
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static IModelRegistryGrain Registry(IClusterClient client) => client.GetGrain<IModelRegistryGrain>(0);

    private static Uri LocationOf(string version) => new($"/models/{Uri.EscapeDataString(version)}", UriKind.Relative);

    private static async Task<Ok<ModelRegistryResponse>> ListModelsAsync(IClusterClient client) =>
        TypedResults.Ok(ModelRegistryResponse.From(await Registry(client).ListAsync()));

    private static async Task<Results<Ok<ModelVersionResponse>, ValidationProblem, ProblemHttpResult>> GetModelAsync(string version, IClusterClient client)
    {
        if (RequestValidation.ValidateId(version, "version") is { } badVersion)
        {
            return badVersion;
        }
        var view = await Registry(client).ListAsync();
        return Array.Find(view.Versions, v => v.Version == version) is { } info
            ? TypedResults.Ok(ModelVersionResponse.From(info))
            : ApiProblems.NotFound($"Model version '{version}' is not in the registry; GET /models lists them.");
    }

    private static async Task<Results<Created<ModelVersionResponse>, ValidationProblem, ProblemHttpResult>> UploadModelAsync(
        HttpRequest request, IClusterClient client, IOptions<ApiOptions> api, CancellationToken cancellationToken)
    {
        var body = await ModelUploadReader.ReadAsync(request, api.Value.MaxModelBytes, cancellationToken);
        if (body.Refused is { } refused)
        {
            return refused;
        }
        if (body.Invalid is { } invalid)
        {
            return invalid;
        }
        // The registry names the part it refuses (ParamName "manifest" or "weights").
        var call = await RegistryCalls.CallAsync(() => Registry(client).UploadAsync(body.Value, cancellationToken), p => p ?? "body");
        if (call.Invalid is { } refusedArtifact)
        {
            return refusedArtifact;
        }
        if (call.Refused is { } conflict)
        {
            return conflict;
        }
        return TypedResults.Created(LocationOf(call.Value.Version), ModelVersionResponse.From(call.Value));
    }

    private static async Task<Results<Accepted<ModelVersionResponse>, ValidationProblem, ProblemHttpResult>> ActivateModelAsync(string version, IClusterClient client)
    {
        if (RequestValidation.ValidateId(version, "version") is { } badVersion)
        {
            return badVersion;
        }
        var call = await RegistryCalls.CallAsync(() => Registry(client).ActivateAsync(version), _ => "version");
        if (call.Invalid is { } invalid)
        {
            return invalid;
        }
        if (call.Refused is { } refused)
        {
            return refused;
        }
        return TypedResults.Accepted(LocationOf(call.Value.Version), ModelVersionResponse.From(call.Value));
    }

    private static async Task<Results<Ok<ModelRegistryResponse>, ValidationProblem, ProblemHttpResult>> RollbackAsync(IClusterClient client)
    {
        var call = await RegistryCalls.CallAsync(() => Registry(client).RollbackAsync(), p => p ?? "body");
        if (call.Invalid is { } invalid)
        {
            return invalid;
        }
        if (call.Refused is { } refused)
        {
            return refused;
        }
        return TypedResults.Ok(ModelRegistryResponse.From(call.Value));
    }

    private static async Task<Results<Ok<ExperimentResponse>, ProblemHttpResult>> GetExperimentAsync(IClusterClient client) =>
        (await Registry(client).ListAsync()).Experiment is { } experiment
            ? TypedResults.Ok(ExperimentResponse.From(experiment))
            : ApiProblems.NotFound("No experiment is running; POST /experiments starts one.");

    private static async Task<Results<Created<ExperimentResponse>, ValidationProblem, ProblemHttpResult>> StartExperimentAsync(
        HttpRequest request, IClusterClient client, IOptions<ApiOptions> api, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadAsync(request, ApiJsonContext.Default.ExperimentRequest, "experiment", api.Value.MaxBodyBytes, cancellationToken);
        if (body.Refused is { } refused)
        {
            return refused;
        }
        if ((body.Invalid ?? ExperimentValidation.Validate(body.Value)) is { } invalid)
        {
            return invalid;
        }
        var arms = body.Value.Arms.Select(a => new ExperimentArm(a.Version, a.Share)).ToArray();
        var call = await RegistryCalls.CallAsync(() => Registry(client).StartExperimentAsync(body.Value.Name, arms), p => p is null ? "experiment" : $"experiment.{p}");
        if (call.Invalid is { } refusedExperiment)
        {
            return refusedExperiment;
        }
        if (call.Refused is { } conflict)
        {
            return conflict;
        }
        return TypedResults.Created(new Uri("/experiments", UriKind.Relative), ExperimentResponse.From(call.Value));
    }

    private static async Task<Results<Ok<ModelRegistryResponse>, ValidationProblem, ProblemHttpResult>> StopExperimentAsync(
        string name, HttpRequest request, IClusterClient client, IOptions<ApiOptions> api, CancellationToken cancellationToken)
    {
        if (ExperimentValidation.CheckName(name, "name") is { } badName)
        {
            return ValidationErrors.One("name", badName);
        }
        string? promote = null;
        if (HasBody(request))
        {
            var body = await JsonBody.ReadAsync(request, ApiJsonContext.Default.StopExperimentRequest, "stop", api.Value.MaxBodyBytes, cancellationToken);
            if (body.Refused is { } refused)
            {
                return refused;
            }
            if ((body.Invalid ?? (body.Value.Promote is null ? null : RequestValidation.ValidateId(body.Value.Promote, "stop.promote"))) is { } invalid)
            {
                return invalid;
            }
            promote = body.Value.Promote;
        }
        var call = await RegistryCalls.CallAsync(() => Registry(client).StopExperimentAsync(name, promote), p => p == "promote" ? "stop.promote" : "name");
        if (call.Invalid is { } refusedStop)
        {
            return refusedStop;
        }
        if (call.Refused is { } notFound)
        {
            return notFound;
        }
        return TypedResults.Ok(ModelRegistryResponse.From(call.Value));
    }

    /// <summary>Whether the request carries a body at all (the stop request's is optional): a length, or chunks.</summary>
    private static bool HasBody(HttpRequest request) =>
        request.ContentLength is > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Count > 0);
}

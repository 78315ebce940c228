using Actors.Silo.Api;
using Actors.Silo.Hosting;

// Configuration is read beside the binary (the root appsettings.json is linked into the build output),
// so the silo behaves the same whatever folder it is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});
builder.AddActorsSilo();
builder.AddActorsObservability();

var app = builder.Build();
app.UseActorsRequestGuards();
app.MapActorsObservability();
app.MapActorsApi();
app.Run();

/// <summary>The silo host's entry point; public so tests can host it.</summary>
public partial class Program;

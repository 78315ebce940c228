namespace Actors.Model.Tests;

public sealed class ConcurrencyTests
{
    [Fact]
    public async Task SharedModel_UsedFromManyThreads_GivesTheSequentialResults()
    {
        const int users = 8;
        var model = PreferenceModel.CreateRandom(TestModels.Small(false, PositionEncoding.None), 11);
        var histories = new float[users][][];
        var sequentialUsers = new float[users][];
        var sequentialItems = new float[users][];
        for (var u = 0; u < users; u++)
        {
            histories[u] = TestModels.RandomEvents(80, model.ContentDimension, 1000 + u);
            sequentialUsers[u] = TestModels.AppendedOneByOne(model, histories[u]).Embedding.ToArray();
            sequentialItems[u] = model.ItemEmbedding(histories[u][^1]);
        }

        var start = new ManualResetEventSlim();
        var tasks = new Task<(float[] User, float[] Item)>[users];
        for (var u = 0; u < users; u++)
        {
            var history = histories[u];
            tasks[u] = Task.Factory.StartNew(
                () =>
                {
                    start.Wait();
                    var state = model.CreateUserState();
                    float[] item = [];
                    foreach (var content in history)
                    {
                        state.Append(content);
                        item = model.ItemEmbedding(content);
                    }

                    return (state.Embedding.ToArray(), item);
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
        }

        start.Set();
        var results = await Task.WhenAll(tasks);

        for (var u = 0; u < users; u++)
        {
            // The arithmetic is deterministic, so results must be bit-identical, not merely close.
            Assert.Equal(sequentialUsers[u], results[u].User);
            Assert.Equal(sequentialItems[u], results[u].Item);
        }
    }
}

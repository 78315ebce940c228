namespace Actors.Model.Tests;

/// <summary>Learned item-id embeddings (content + ID): serving, incremental state and the artifact round trip.</summary>
public sealed class ItemIdTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("actors-model-ids-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void IncrementalWithIds_EqualsFullRecomputation_AfterEveryEvent()
    {
        var model = WithIds(out var ids);
        var events = TestModels.RandomEvents(80, model.ContentDimension, 9);
        var eventIds = Enumerable.Range(0, events.Length).Select(i => (string?)ids[(i * 7) % ids.Length]).ToArray();
        eventIds[5] = null;
        eventIds[6] = "cold-item";
        var state = model.CreateUserState(maxLength: 20, slack: 3);
        for (var t = 0; t < events.Length; t++)
        {
            state.Append(events[t], eventIds[t]);
            var start = t + 1 - state.Count;
            var full = model.UserEmbedding(events[start..(t + 1)], eventIds[start..(t + 1)]);
            Assert.Equal(full.Length, state.Embedding.Length);
            for (var i = 0; i < full.Length; i++)
            {
                Assert.InRange(Math.Abs(full[i] - state.Embedding[i]), 0, 1e-4);
            }
        }
    }

    [Fact]
    public void UnknownOrMissingId_IsTheContentOnlyEmbedding_AndAKnownIdChangesIt()
    {
        var model = WithIds(out var ids);
        var content = TestModels.RandomEvents(1, model.ContentDimension, 2)[0];
        Assert.Equal(model.ItemEmbedding(content), model.ItemEmbedding(content, "not-in-the-catalog"));
        Assert.Equal(model.ItemEmbedding(content), model.ItemEmbedding(content, (string?)null));
        Assert.NotEqual(model.ItemEmbedding(content), model.ItemEmbedding(content, ids[3]));
        Assert.Equal(-1, model.IdRow("not-in-the-catalog"));
        Assert.Equal(3, model.IdRow(ids[3]));
    }

    [Fact]
    public void SaveThenLoad_KeepsItemIdsAndEmbeddings()
    {
        var model = WithIds(out var ids);
        var folder = Path.Combine(_root, "ids");
        model.Save(folder);
        var loaded = PreferenceModel.Load(folder);
        Assert.Equal(ids, loaded.ItemIds);
        Assert.Equal(model.Config, loaded.Config);
        var content = TestModels.RandomEvents(1, model.ContentDimension, 4)[0];
        Assert.Equal(model.ItemEmbedding(content, ids[1]), loaded.ItemEmbedding(content, ids[1]));
    }

    [Fact]
    public void FromTensors_RejectsRepeatedOrMiscountedIds()
    {
        var model = WithIds(out var ids);
        var tensors = model.Config.TensorSpecs().ToDictionary(s => s.Name, s => model.GetTensor(s.Name));
        Assert.Throws<ArgumentException>(() => PreferenceModel.FromTensors(model.Config, tensors, ids[..^1], null, null));
        var repeated = ids.ToArray();
        repeated[1] = repeated[0];
        Assert.Throws<ArgumentException>(() => PreferenceModel.FromTensors(model.Config, tensors, repeated, null, null));
    }

    private static PreferenceModel WithIds(out string[] ids)
    {
        var config = TestModels.Small(normFirst: false, PositionEncoding.None) with { IdEmbeddings = 12 };
        var random = PreferenceModel.CreateRandom(config, 5);
        ids = [.. Enumerable.Range(0, 12).Select(i => $"B{i:D4}")];
        var tensors = config.TensorSpecs().ToDictionary(s => s.Name, s => random.GetTensor(s.Name));
        return PreferenceModel.FromTensors(config, tensors, ids, "ids", null);
    }
}

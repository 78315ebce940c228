// The explorer page: plain JavaScript over the silo's HTTP API, no build step.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { user: null, texts: new Map() };

async function api(path, options = {}) {
  const headers = { "accept": "application/json", ...(options.body ? { "content-type": "application/json" } : {}) };
  const key = sessionStorage.getItem("apiKey");
  if (key && options.method && options.method !== "GET") headers["X-Api-Key"] = key;
  const response = await fetch(path, { ...options, headers });
  const body = response.status === 204 ? null : await response.json().catch(() => null);
  if (!response.ok) {
    const detail = body && (body.detail || body.title) || response.statusText;
    const error = new Error(`${response.status}: ${detail}`);
    // A validation problem names the fields at fault: the filters show each message next to its field.
    error.errors = body?.errors ?? null;
    throw error;
  }
  return body;
}

function say(element, text, isError = false) {
  element.textContent = text;
  element.classList.toggle("error", isError);
}

async function textOf(itemId) {
  if (!state.texts.has(itemId)) {
    state.texts.set(itemId, api(`/items/${encodeURIComponent(itemId)}`).then((i) => i.text).catch(() => "(unknown item)"));
  }
  return state.texts.get(itemId);
}

// One list entry: the item (a button when clickable), its score, the reason it was recommended, a "bought" button
// when it can be bought, and an info button opening the item view.
function itemEntry({ itemId, text, score, because }, onClick, onBought) {
  const li = document.createElement("li");
  li.className = "item";
  li.dataset.itemId = itemId;
  const main = document.createElement("button");
  main.type = "button";
  main.className = "item-main";
  main.textContent = text;
  if (score !== undefined) {
    const s = document.createElement("span");
    s.className = "score";
    s.textContent = score.toFixed(3);
    main.append(s);
  }
  if (onClick) {
    main.title = "Record an interaction with this item";
    main.addEventListener("click", () => onClick(itemId));
  } else {
    main.disabled = true;
  }
  const info = document.createElement("button");
  info.type = "button";
  info.className = "item-info";
  info.textContent = "details";
  info.setAttribute("aria-label", `Show item ${itemId} and similar items`);
  info.addEventListener("click", () => showItem(itemId));
  li.append(main);
  if (onBought) {
    const bought = document.createElement("button");
    bought.type = "button";
    bought.className = "item-bought";
    bought.textContent = "bought";
    bought.setAttribute("aria-label", `Record that the user bought ${itemId}`);
    bought.addEventListener("click", () => onBought(itemId));
    li.append(bought);
  }
  li.append(info);
  if (because) li.append(reasonLine(because));
  return li;
}

// "because you looked at …": the history item closest to the recommended one (the answer's preview of its text, else
// the item's text fetched).
function reasonLine(because) {
  const line = document.createElement("p");
  line.className = "reason";
  line.dataset.becauseItemId = because.itemId;
  const what = document.createElement("span");
  what.className = "reason-text";
  what.textContent = because.text ?? because.itemId;
  if (!because.text) textOf(because.itemId).then((t) => { what.textContent = t; });
  line.append("because you looked at ", what);
  line.title = `because you looked at ${because.itemId}`;
  return line;
}

async function loadUser(userId) {
  state.user = userId;
  $("user-id").value = userId;
  $("user-view").hidden = false;
  history.replaceState(null, "", `?user=${encodeURIComponent(userId)}`);
  say($("user-status"), "Loading…");
  try {
    await Promise.all([renderHistory(userId), renderRecommendations(userId)]);
    say($("user-status"), `User ${userId}`);
  } catch (error) {
    if (error instanceof Superseded) return;
    say($("user-status"), error.message, true);
  }
}

async function fetchHistory(userId) {
  return (await api(`/users/${encodeURIComponent(userId)}/history`)).items;
}

async function renderHistory(userId, items) {
  items ??= await fetchHistory(userId);
  const texts = await Promise.all(items.map(textOf));
  const list = $("history");
  list.replaceChildren(...items.map((itemId, i) => itemEntry({ itemId, text: texts[i] })).reverse());
  $("history-count").textContent = `${items.length}`;
  return items;
}

// ---- Filters: one query string for the recommendations (with the event types to leave out) and similar items ----

function filterQuery(forUser) {
  const q = new URLSearchParams({ k: "10" });
  const category = $("f-category").value.trim();
  if (category) q.set("category", category);
  if ($("f-available").checked) q.set("available", "true");
  // Sent as typed, so that the silo's message names what is wrong with it.
  const min = $("f-min-price").value.trim();
  const max = $("f-max-price").value.trim();
  if (min) q.set("minPrice", min);
  if (max) q.set("maxPrice", max);
  for (const tag of $("f-tags").value.split(",").map((t) => t.trim()).filter(Boolean)) q.append("tag", tag);
  if (forUser && !$("f-history-all").checked) {
    const types = [...($("f-leave-viewed").checked ? ["view"] : []), ...($("f-leave-bought").checked ? ["purchase"] : [])];
    q.set("excludeTypes", types.length ? types.join(",") : "none");
  }
  return q.toString();
}

// Each message of a 400 next to the field it names ("tag[2]" next to the tags); none when the answer was fine.
function showFilterErrors(errors) {
  for (const span of document.querySelectorAll("#filters .field-error")) {
    const messages = Object.entries(errors ?? {}).filter(([key]) => key.replace(/\[\d+\]$/, "") === span.dataset.field).flatMap(([, m]) => m);
    span.textContent = messages.join(" ");
  }
  $("filters").classList.toggle("invalid", !!errors && Object.keys(errors).length > 0);
}

async function applyFilters() {
  const { checked } = $("f-history-all");
  $("f-leave-viewed").disabled = checked;
  $("f-leave-bought").disabled = checked;
  const shown = $("item-view").hidden ? null : $("item-id").textContent;
  if (state.user) {
    say($("user-status"), "Filtering…");
    try {
      await renderRecommendations(state.user);
      say($("user-status"), `User ${state.user}`);
    } catch (error) {
      // A newer request owns the status line.
      if (error instanceof Superseded) return;
      say($("user-status"), error.message, true);
    }
  }
  if (shown) await showItem(shown);
}

// Answers can arrive out of order when filters change quickly: only the newest request's answer (or error) is drawn,
// and an older one is dropped as superseded, so the list never shows the results of filters no longer set.
class Superseded extends Error {}
let recommendationsRequest = 0;

async function renderRecommendations(userId) {
  const request = ++recommendationsRequest;
  let result;
  try {
    result = await api(`/users/${encodeURIComponent(userId)}/recommendations?${filterQuery(true)}`);
    if (request !== recommendationsRequest) throw new Superseded();
    showFilterErrors(null);
  } catch (error) {
    if (error instanceof Superseded || request !== recommendationsRequest) throw new Superseded();
    // A list from other filters than those shown would mislead: empty it.
    if (error.errors) {
      showFilterErrors(error.errors);
      $("recommendations").replaceChildren();
    }
    throw error;
  }
  $("rec-source").textContent = result.source + (result.partial ? " · partial" : "");
  showAnswerModel(result);
  $("recommendations").replaceChildren(...result.items.map((item) => itemEntry(item, recordView, recordPurchase)));
  // Answers carry previews (Api:AnswerTextLength); a cut text ("…") is fetched whole when the history needs it.
  for (const item of result.items) if (!item.text.endsWith("…")) state.texts.set(item.itemId, Promise.resolve(item.text));
  return result.items;
}

const recordView = (itemId) => recordInteraction(itemId, "view");
const recordPurchase = (itemId) => recordInteraction(itemId, "purchase");

async function recordInteraction(itemId, type) {
  const userId = state.user;
  const before = await fetchHistory(userId);
  say($("user-status"), `Recording the ${type}…`);
  try {
    await api("/events", { method: "POST", body: JSON.stringify({ eventId: crypto.randomUUID(), userId, itemId, type }) });
    // Applied asynchronously from the event stream: wait until the history shows it.
    const deadline = Date.now() + 5000;
    let after = before;
    while (Date.now() < deadline) {
      after = await fetchHistory(userId);
      if (after.length !== before.length || after[after.length - 1] !== before[before.length - 1]) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await renderHistory(userId, after);
    $("history").firstElementChild?.classList.add("new");
    await renderRecommendations(userId);
    say($("user-status"), `Recorded: ${userId} ${type === "purchase" ? "bought" : "viewed"} ${itemId}. History and recommendations updated.`);
  } catch (error) {
    if (error instanceof Superseded) return;
    say($("user-status"), error.message, true);
  }
}

async function showItem(itemId) {
  try {
    const [item, similar] = await Promise.all([
      api(`/items/${encodeURIComponent(itemId)}`),
      api(`/items/${encodeURIComponent(itemId)}/similar?${filterQuery(false)}`).catch((error) => {
        if (error.errors) showFilterErrors(error.errors);
        return { items: [], error };
      }),
    ]);
    $("item-id").textContent = item.itemId;
    $("item-text").textContent = item.text;
    renderAttributes(item);
    $("similar").replaceChildren(...similar.items.map((i) => itemEntry(i, state.user ? recordView : null)));
    $("item-view").hidden = false;
    $("item-empty").hidden = true;
    if (similar.error) say($("item-status"), `Similar items: ${similar.error.message}`, true);
  } catch (error) {
    say($("item-status"), error.message, true);
  }
}

// The item's attributes as a definition list; an attribute the item lacks is left out.
function renderAttributes(item) {
  const rows = [
    ["Title", item.title],
    ["Category", item.category?.length ? item.category.join(" > ") : null],
    ["Brand", item.brand],
    ["Price", item.price ?? null],
    ["Available", item.available === undefined || item.available === null ? null : item.available ? "yes" : "no"],
    ["Tags", item.tags?.length ? item.tags.join(", ") : null],
  ].filter(([, value]) => value !== null && value !== undefined && value !== "");
  $("item-attributes").replaceChildren(...rows.flatMap(([name, value]) => {
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = String(value);
    dd.dataset.attribute = name.toLowerCase();
    return [dt, dd];
  }));
}

async function deleteItem() {
  const itemId = $("item-id").textContent;
  if (!itemId) return;
  say($("item-status"), `Deleting ${itemId}…`);
  try {
    await api(`/items/${encodeURIComponent(itemId)}`, { method: "DELETE" });
    state.texts.delete(itemId);
    $("item-view").hidden = true;
    $("item-empty").hidden = false;
    // The silo answers once the item is out of every index: the lists shown are redrawn without it.
    if (state.user) await Promise.all([renderRecommendations(state.user), renderHistory(state.user)]);
    say($("item-status"), `Deleted ${itemId}.`);
  } catch (error) {
    if (error instanceof Superseded) return;
    say($("item-status"), error.message, true);
  }
}

// The add-an-item form as a PUT body: only the fields filled in (the silo builds the text from the title when none is given).
function itemBody() {
  const body = {};
  const value = (id) => $(id).value.trim();
  if (value("new-item-text")) body.text = value("new-item-text");
  if (value("new-item-title")) body.title = value("new-item-title");
  const category = value("new-item-category").split(">").map((c) => c.trim()).filter(Boolean);
  if (category.length) body.category = category;
  if (value("new-item-brand")) body.brand = value("new-item-brand");
  if (value("new-item-price")) {
    body.price = Number(value("new-item-price"));
    if (!Number.isFinite(body.price)) throw new Error(`The price must be a number; got '${value("new-item-price")}'.`);
  }
  const tags = value("new-item-tags").split(",").map((t) => t.trim()).filter(Boolean);
  if (tags.length) body.tags = tags;
  body.available = $("new-item-available").checked;
  return body;
}

async function addItem(event) {
  event.preventDefault();
  const itemId = $("new-item-id").value.trim();
  say($("item-status"), "Encoding and indexing…");
  try {
    const item = await api(`/items/${encodeURIComponent(itemId)}`, { method: "PUT", body: JSON.stringify(itemBody()) });
    state.texts.set(itemId, Promise.resolve(item.text));
    await showItem(itemId);
    say($("item-status"), `Added ${itemId}: it is retrieved next to the items listed above.`);
    if (state.user) await renderRecommendations(state.user);
  } catch (error) {
    if (error instanceof Superseded) return;
    say($("item-status"), error.message, true);
  }
}

// Which model produced an answer: its version, and the experiment whose arm the user is in (popularity answers have none).
function showAnswerModel({ modelVersion, experiment }) {
  const line = $("rec-model");
  line.dataset.modelVersion = modelVersion ?? "";
  line.dataset.experiment = experiment ?? "";
  if (!modelVersion) {
    line.textContent = "No model: ranked by popularity.";
    return;
  }
  const code = document.createElement("code");
  code.textContent = modelVersion;
  line.replaceChildren("Made by model ", code, experiment ? ` — this user's arm of experiment “${experiment}”` : "");
}

// ---- Models: the registry's versions and the experiment, polled every 2 s ----

const percent = (x, digits = 1) => `${(100 * x).toFixed(digits)} %`;
const count = (n) => Number(n).toLocaleString("en-US");
const when = (t) => t ? new Date(t).toLocaleString() : "—";

function cell(text, className) {
  const td = document.createElement("td");
  if (text instanceof Node) td.append(text); else td.textContent = text;
  if (className) td.className = className;
  return td;
}

function codeOf(text) {
  const c = document.createElement("code");
  c.textContent = text;
  return c;
}

// The index column: complete, a progress bar with "indexed of total (percentage)" while building, or none.
function indexCell(v) {
  const td = cell("");
  td.className = "index";
  td.dataset.field = "index";
  if (v.status === "Building") {
    const bar = document.createElement("progress");
    bar.max = 1;
    bar.value = v.progress;
    bar.dataset.progress = String(v.progress);
    const label = document.createElement("span");
    label.className = "progress-label";
    label.textContent = `${count(v.itemsIndexed)} of ${count(v.itemsTotal)} items (${percent(v.progress, 0)})`;
    td.append(bar, label);
  } else if (v.status === "Ready" || v.status === "Serving") {
    td.textContent = v.itemsTotal > 0 ? `complete (${count(v.itemsTotal)} items)` : "complete";
  } else {
    td.textContent = "none";
  }
  return td;
}

function versionRow(v, view) {
  const tr = document.createElement("tr");
  tr.dataset.version = v.version;
  tr.dataset.status = v.status;
  tr.classList.toggle("serving-row", v.status === "Serving");
  const name = document.createElement("span");
  name.append(codeOf(v.version));
  if (v.source) {
    const source = document.createElement("span");
    source.className = "hint";
    source.textContent = ` ${v.source}`;
    name.append(source);
  }
  const status = cell(v.status, `model-status status-${v.status.toLowerCase()}`);
  status.dataset.field = "status";
  const actions = cell("");
  if (v.status !== "Serving" && v.status !== "Building" && !view.activating) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "small activate";
    b.textContent = "Activate";
    b.setAttribute("aria-label", `Activate ${v.version}`);
    b.addEventListener("click", () => {
      models.target = v.version;
      modelAction(`/models/${encodeURIComponent(v.version)}/activate`, `Activating ${v.version}…`,
        `Activating ${v.version}: its index is built beside the serving one, and it serves once the index is complete.`);
    });
    actions.append(b);
  }
  tr.append(cell(name), status, cell(v.kind), cell(String(v.dimension), "num"), indexCell(v), cell(when(v.uploadedAt)), cell(when(v.activatedAt)), actions);
  return tr;
}

function armRow(arm, serving) {
  const tr = document.createElement("tr");
  tr.dataset.version = arm.version;
  const figure = (field, text) => {
    const td = cell(text, "num");
    td.dataset.field = field;
    return td;
  };
  // "4.2 % (3.1–5.6 %)"; no events yet, no rate.
  const rate = arm.events > 0 ? `${percent(arm.hitRate)} (${(100 * arm.low).toFixed(1)}–${percent(arm.high)})` : "—";
  const name = document.createElement("span");
  name.append(codeOf(arm.version));
  if (arm.version === serving) {
    const note = document.createElement("span");
    note.className = "hint";
    note.textContent = " serving outside the experiment";
    name.append(note);
  }
  tr.append(cell(name), figure("share", percent(arm.share, 0)), figure("served", count(arm.served)),
    figure("events", count(arm.events)), figure("hits", count(arm.hits)), figure("hitRate", rate));
  return tr;
}

// "00:30:00" (a TimeSpan) as "30 minutes".
function duration(span) {
  const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+)/.exec(span ?? "");
  if (!m) return span ?? "";
  const minutes = (Number(m[1] ?? 0) * 24 + Number(m[2])) * 60 + Number(m[3]);
  return minutes % 60 === 0 && minutes >= 60 ? `${minutes / 60} hour${minutes === 60 ? "" : "s"}` : `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

function renderExperiment(experiment, serving) {
  const box = $("experiment");
  box.hidden = !experiment;
  box.dataset.name = experiment?.name ?? "";
  if (!experiment) return;
  $("experiment-name").textContent = experiment.name;
  $("experiment-status").textContent = experiment.status === "Running" ? "running" : "preparing: building its arms' indexes";
  box.dataset.status = experiment.status;
  $("experiment-summary").textContent = `Started ${when(experiment.startedAt)}. Each user is in one arm, always the same, drawn from a hash of the user id and the experiment's name.`;
  $("experiment-window").textContent = duration(experiment.hitWindow);
  $("experiment-arms").tBodies[0].replaceChildren(...experiment.arms.map((arm) => armRow(arm, serving)));
}

function renderModels(view) {
  const serving = view.versions.find((v) => v.version === view.serving);
  $("model-serving").textContent = view.serving;
  $("models-panel").dataset.serving = view.serving;
  $("model-serving-detail").textContent = serving ? `${serving.kind}, ${serving.dimension} dimensions, ${serving.source}` + (serving.activatedAt ? `, since ${when(serving.activatedAt)}` : "") : "";
  $("model-previous-box").hidden = !view.previous;
  $("model-previous").textContent = view.previous ?? "";
  // A rollback while a version is being activated cancels that activation instead: one button for each meaning.
  $("model-rollback").hidden = !!view.activating;
  $("model-activating-box").hidden = !view.activating;
  $("model-activating").textContent = view.activating ?? "";
  $("model-versions").tBodies[0].replaceChildren(...view.versions.map((v) => versionRow(v, view)));
  renderExperiment(view.experiment, view.serving);
}

// target: the version this page asked to activate, so that the status line can say when it serves.
const models = { last: "", timer: 0, pollFailed: false, target: null };

function followActivation(view) {
  if (!models.target || view.activating === models.target) return;
  say($("models-status"), view.serving === models.target
    ? `${models.target} serves now.`
    : `${models.target} is not serving: ${view.versions.find((v) => v.version === models.target)?.status ?? "gone"}.`, view.serving !== models.target);
  models.target = null;
}

async function refreshModels() {
  clearTimeout(models.timer);
  try {
    const view = await api("/models");
    const json = JSON.stringify(view);
    // Re-render only on a change, so that a button is not replaced under the pointer every 2 s.
    if (json !== models.last) {
      models.last = json;
      renderModels(view);
      followActivation(view);
    }
    if (models.pollFailed) say($("models-status"), "");
    models.pollFailed = false;
  } catch (error) {
    models.pollFailed = true;
    say($("models-status"), `The model registry did not answer: ${error.message}`, true);
  }
  clearTimeout(models.timer);
  models.timer = setTimeout(refreshModels, 2000);
}

async function modelAction(path, pending, done) {
  say($("models-status"), pending);
  try {
    await api(path, { method: "POST" });
    say($("models-status"), done);
  } catch (error) {
    models.target = null;
    say($("models-status"), error.message, true);
  }
  await refreshModels();
}

async function init() {
  $("user-form").addEventListener("submit", (e) => { e.preventDefault(); loadUser($("user-id").value.trim()); });
  $("item-form").addEventListener("submit", addItem);
  $("item-delete").addEventListener("click", deleteItem);
  for (const input of document.querySelectorAll("#filters input")) input.addEventListener("change", applyFilters);
  $("api-key").value = sessionStorage.getItem("apiKey") ?? "";
  $("api-key").addEventListener("input", (e) => sessionStorage.setItem("apiKey", e.target.value));
  $("model-rollback").addEventListener("click", () => modelAction("/models/rollback", "Rolling back…", "Rolled back: the previous version serves again."));
  $("model-cancel").addEventListener("click", () => {
    models.target = null;
    modelAction("/models/rollback", "Cancelling the switch…", "Switch cancelled: the serving version stays.");
  });
  refreshModels();
  try {
    const samples = await api("/samples");
    $("sample-users").replaceChildren(...samples.users.map((userId) => {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = userId;
      b.addEventListener("click", () => loadUser(userId));
      return b;
    }));
  } catch {
    $("sample-users").textContent = "(none)";
  }
  const requested = new URLSearchParams(location.search).get("user");
  if (requested) loadUser(requested);
}

init();

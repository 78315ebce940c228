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
    throw new Error(`${response.status}: ${detail}`);
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

// One list entry: the item (a button when clickable), its score, and an info button opening the item view.
function itemEntry({ itemId, text, score }, onClick) {
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
  li.append(main, info);
  return li;
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

async function renderRecommendations(userId) {
  const result = await api(`/users/${encodeURIComponent(userId)}/recommendations?k=10`);
  $("rec-source").textContent = result.source + (result.partial ? " · partial" : "");
  $("recommendations").replaceChildren(...result.items.map((item) => itemEntry(item, recordInteraction)));
  // Answers carry previews (Api:AnswerTextLength); a cut text ("…") is fetched whole when the history needs it.
  for (const item of result.items) if (!item.text.endsWith("…")) state.texts.set(item.itemId, Promise.resolve(item.text));
  return result.items;
}

async function recordInteraction(itemId) {
  const userId = state.user;
  const before = await fetchHistory(userId);
  say($("user-status"), "Recording the interaction…");
  try {
    await api("/events", { method: "POST", body: JSON.stringify({ eventId: crypto.randomUUID(), userId, itemId }) });
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
    say($("user-status"), `Recorded: ${userId} interacted with ${itemId}. History and recommendations updated.`);
  } catch (error) {
    say($("user-status"), error.message, true);
  }
}

async function showItem(itemId) {
  try {
    const [item, similar] = await Promise.all([
      api(`/items/${encodeURIComponent(itemId)}`),
      api(`/items/${encodeURIComponent(itemId)}/similar?k=10`),
    ]);
    $("item-id").textContent = item.itemId;
    $("item-text").textContent = item.text;
    $("similar").replaceChildren(...similar.items.map((i) => itemEntry(i, state.user ? recordInteraction : null)));
    $("item-view").hidden = false;
    $("item-empty").hidden = true;
  } catch (error) {
    say($("item-status"), error.message, true);
  }
}

async function addItem(event) {
  event.preventDefault();
  const itemId = $("new-item-id").value.trim();
  const text = $("new-item-text").value.trim();
  say($("item-status"), "Encoding and indexing…");
  try {
    await api(`/items/${encodeURIComponent(itemId)}`, { method: "PUT", body: JSON.stringify({ text }) });
    state.texts.set(itemId, Promise.resolve(text));
    await showItem(itemId);
    say($("item-status"), `Added ${itemId}: it is retrieved next to the items listed above.`);
    if (state.user) await renderRecommendations(state.user);
  } catch (error) {
    say($("item-status"), error.message, true);
  }
}

async function init() {
  $("user-form").addEventListener("submit", (e) => { e.preventDefault(); loadUser($("user-id").value.trim()); });
  $("item-form").addEventListener("submit", addItem);
  $("api-key").value = sessionStorage.getItem("apiKey") ?? "";
  $("api-key").addEventListener("change", (e) => sessionStorage.setItem("apiKey", e.target.value));
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

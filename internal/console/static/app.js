// cfinv console: plain DOM, no framework. Reads /console/api/*, posts
// invalidations with the page's CSRF token, and follows the live feed.
"use strict";
const api = "/console/api/";
const token = document.querySelector('meta[name="csrf-token"]').content;
let current = null; // the selected distribution's ID
let distNext = "", objNext = "", objBucket = "", invNext = "";

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}
function row(cells) {
  const tr = el("tr");
  for (const c of cells) {
    const td = el("td");
    if (c instanceof Node) td.appendChild(c); else td.textContent = c;
    tr.appendChild(td);
  }
  return tr;
}
async function get(path) {
  const r = await fetch(api + path, {headers: {"Accept": "application/json"}});
  const body = await r.json();
  if (!r.ok) throw new Error(body.error || r.statusText);
  return body;
}
function time(t) { return t ? new Date(t).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z") : ""; }
function secs(s) { return s < 60 ? s.toFixed(0) + " s" : (s / 60).toFixed(1) + " min"; }

async function loadDistributions(more) {
  const body = await get("distributions?limit=50" + (more ? "&after=" + encodeURIComponent(distNext) : ""));
  const tb = document.querySelector("#dist-table tbody");
  if (!more) tb.textContent = "";
  for (const d of body.items) {
    const tr = row([d.id, d.domainName, d.aliases.join(", "),
      d.origins.map(o => o.id + " → " + o.domainName + (o.originPath || "")).join("; "),
      d.behaviors.map(b => b.pathPattern + " → " + b.targetOriginId).join("; "),
      el("span", d.status, d.status)]);
    tr.className = "pick" + (d.id === current ? " sel" : "");
    tr.dataset.id = d.id;
    tr.addEventListener("click", () => select(d.id));
    tb.appendChild(tr);
  }
  distNext = body.next || "";
  document.getElementById("dist-more").hidden = !distNext;
}

function select(id) {
  current = id;
  for (const tr of document.querySelectorAll("#dist-table tbody tr")) tr.classList.toggle("sel", tr.dataset.id === id);
  document.getElementById("detail").hidden = false;
  document.getElementById("detail-id").textContent = id;
  refreshDetail();
}

async function loadInvalidations(more) {
  const body = await get("distributions/" + current + "/invalidations?limit=20" + (more ? "&after=" + encodeURIComponent(invNext) : ""));
  const tb = document.querySelector("#inv-table tbody");
  if (!more) tb.textContent = "";
  for (const inv of body.items) {
    const tr = row([inv.id, el("span", inv.status, inv.status), time(inv.created) + " → " + time(inv.completed),
      inv.paths.join(" "), inv.callerReference]);
    tr.dataset.id = inv.id;
    tr.dataset.status = inv.status;
    tb.appendChild(tr);
  }
  invNext = body.next || "";
  document.getElementById("inv-more").hidden = !invNext;
}

async function loadCache() {
  const body = await get("distributions/" + current + "/cache?limit=200");
  const p = document.getElementById("cache-stats");
  p.textContent = body.edge
    ? `Hit ${body.hits} · Miss ${body.misses} · RefreshHit ${body.refreshHits} · hit ratio ${(body.hitRatio * 100).toFixed(1)} %`
    : "serve runs without an edge";
  const tb = document.querySelector("#cache-table tbody");
  tb.textContent = "";
  for (const e of body.items) {
    const tr = row([e.key, e.bytes + " B", secs(e.ageSeconds), secs(e.ttlLeftSeconds), String(e.hits)]);
    tr.dataset.key = e.key;
    tb.appendChild(tr);
  }
}

async function refreshDetail() {
  if (!current) return;
  try { await Promise.all([loadInvalidations(false), loadCache()]); } catch (e) { console.error(e); }
}

async function loadBuckets() {
  const body = await get("buckets");
  const tb = document.querySelector("#bucket-table tbody");
  tb.textContent = "";
  for (const b of body.items) {
    const tr = row([b.name + (b.readOnly ? " (read-only)" : ""), time(b.created)]);
    tr.className = "pick";
    tr.addEventListener("click", () => { objBucket = b.name; loadObjects(false); });
    tb.appendChild(tr);
  }
}

async function loadObjects(more) {
  const body = await get("buckets/" + encodeURIComponent(objBucket) + "/objects?limit=100" + (more ? "&after=" + encodeURIComponent(objNext) : ""));
  document.getElementById("objects").hidden = false;
  document.getElementById("objects-bucket").textContent = objBucket;
  const tb = document.querySelector("#object-table tbody");
  if (!more) tb.textContent = "";
  for (const o of body.items) tb.appendChild(row([o.key, o.size + " B", time(o.lastModified)]));
  objNext = body.next || "";
  document.getElementById("objects-more").hidden = !objNext;
}

async function createInvalidation(ev) {
  ev.preventDefault();
  const msg = document.getElementById("inv-msg");
  const paths = document.getElementById("inv-paths").value.split("\n").map(s => s.trim()).filter(Boolean);
  const r = await fetch(api + "distributions/" + current + "/invalidations", {
    method: "POST", headers: {"Content-Type": "application/json", "X-CSRF-Token": token},
    body: JSON.stringify({paths}),
  });
  const text = await r.text();
  const id = (text.match(/<Id>([^<]+)<\/Id>/) || [])[1];
  msg.textContent = r.ok ? "created " + id : "refused: " + ((text.match(/<Message>([^<]*)<\/Message>/) || [])[1] || text);
  refreshDetail();
}

function follow() {
  const list = document.getElementById("feed-list");
  const state = document.getElementById("feed-state");
  const src = new EventSource(api + "events");
  const add = (e) => {
    const ev = JSON.parse(e.data);
    const text = ev.kind === "purge"
      ? `${time(ev.time)} PURGE ${ev.distribution} ${ev.items.join(" ")} (removed ${ev.removed || 0})`
      : `${time(ev.time)} ${ev.method} ${ev.host}${ev.path} ${ev.xcache || "-"}`;
    const li = el("li", text, ev.xcache || "");
    li.dataset.kind = ev.kind;
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 200) list.removeChild(list.lastChild);
    if (ev.distribution && ev.distribution === current) loadCache().catch(console.error);
  };
  src.addEventListener("request", add);
  src.addEventListener("purge", add);
  src.onopen = () => { state.textContent = "(live)"; };
  src.onerror = () => { state.textContent = "(reconnecting)"; };
}

document.getElementById("dist-more").addEventListener("click", () => loadDistributions(true));
document.getElementById("inv-more").addEventListener("click", () => loadInvalidations(true));
document.getElementById("objects-more").addEventListener("click", () => loadObjects(true));
document.getElementById("inv-form").addEventListener("submit", createInvalidation);
loadDistributions(false).catch(console.error);
loadBuckets().catch(console.error);
follow();
// Statuses change by the clock (InProgress → Completed, Deployed): poll.
setInterval(() => { loadDistributions(false).catch(console.error); refreshDetail(); }, 2000);

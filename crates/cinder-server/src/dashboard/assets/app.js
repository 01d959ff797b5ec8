// Cinder dashboard: the small behaviours the server-rendered pages cannot have alone.
// Every page works without this file; it adds copy buttons, confirmations, the live refresh of
// the sources list, drag-to-zoom on the histogram and the live tail.

const TAIL_KEEP = 500;

function formatTime(micros) {
  const date = new Date(Math.floor(micros / 1000));
  return date.toISOString().replace("T", " ").replace("Z", "");
}

function isoSeconds(micros) {
  return new Date(Math.floor(micros / 1000)).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function searchUrl(source, querystring) {
  return `/sources/${source}/search?querystring=${encodeURIComponent(querystring)}`;
}

function setupCopy() {
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    navigator.clipboard?.writeText(button.dataset.copy).then(() => {
      const label = button.textContent;
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = label; }, 1200);
    });
  });
}

function setupConfirm() {
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });
}

function setupRefresh() {
  const body = document.querySelector("[data-refresh]");
  if (!body) return;
  setInterval(async () => {
    if (document.hidden) return;
    try {
      const response = await fetch(body.dataset.refresh, { credentials: "same-origin" });
      if (response.ok) body.innerHTML = await response.text();
    } catch (_) { /* the next tick tries again */ }
  }, 5000);
}

function setupZoom() {
  const svg = document.getElementById("histogram");
  if (!svg) return;
  const from = Number(svg.dataset.from);
  const to = Number(svg.dataset.to);
  const ns = "http://www.w3.org/2000/svg";
  let start = null;
  let selection = null;
  const fraction = (event) => {
    const box = svg.getBoundingClientRect();
    return Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
  };
  svg.addEventListener("mousedown", (event) => {
    start = fraction(event);
    selection = document.createElementNS(ns, "rect");
    selection.setAttribute("class", "selection");
    selection.setAttribute("y", "0");
    selection.setAttribute("height", "120");
    svg.appendChild(selection);
    event.preventDefault();
  });
  svg.addEventListener("mousemove", (event) => {
    if (start === null) return;
    const now = fraction(event);
    selection.setAttribute("x", String(Math.min(start, now) * 1000));
    selection.setAttribute("width", String(Math.abs(now - start) * 1000));
  });
  window.addEventListener("mouseup", (event) => {
    if (start === null) return;
    const end = fraction(event);
    const [low, high] = [Math.min(start, end), Math.max(start, end)];
    start = null;
    selection?.remove();
    // A click (no drag) is left to the bar's own link.
    if (high - low < 0.01) return;
    svg.dataset.dragged = "1";
    setTimeout(() => { delete svg.dataset.dragged; }, 0);
    const lowAt = from + (to - from) * low;
    const highAt = from + (to - from) * high;
    const base = svg.dataset.base.trim();
    const range = `t:${isoSeconds(lowAt)}..${isoSeconds(highAt)}`;
    window.location.href = searchUrl(svg.dataset.source, base ? `${base} ${range}` : range);
  });
  // Keep a drag from following the link of the bar it started on.
  svg.addEventListener("click", (event) => {
    if (svg.dataset.dragged === "1") event.preventDefault();
  });
}

function tailItem(event) {
  const item = document.createElement("li");
  item.className = "event fresh";
  const details = document.createElement("details");
  const summary = document.createElement("summary");
  const time = document.createElement("span");
  time.className = "time";
  time.textContent = formatTime(event.timestamp);
  const message = document.createElement("span");
  message.className = "message";
  message.textContent = event.event_message ?? "";
  summary.append(time, message);
  const body = document.createElement("div");
  body.className = "event-body";
  const pre = document.createElement("pre");
  pre.className = "json";
  pre.textContent = JSON.stringify(event, null, 2);
  body.append(pre);
  details.append(summary, body);
  item.append(details);
  setTimeout(() => item.classList.remove("fresh"), 1500);
  return item;
}

function setupTail() {
  const toggle = document.getElementById("tail-toggle");
  if (!toggle) return;
  const panel = document.getElementById("tail");
  const list = document.getElementById("tail-events");
  const status = document.getElementById("tail-status");
  let source = null;
  let received = 0;
  let dropped = 0;
  const describe = () => {
    status.textContent = `${received} new events` + (dropped ? ` · ${dropped} skipped because the browser fell behind` : "");
  };
  const stop = () => {
    source?.close();
    source = null;
    toggle.textContent = "▶ Live tail";
    status.textContent = "stopped";
  };
  toggle.addEventListener("click", () => {
    if (source) { stop(); return; }
    panel.hidden = false;
    received = 0;
    dropped = 0;
    const url = `/sources/${toggle.dataset.source}/tail?querystring=${encodeURIComponent(toggle.dataset.querystring)}`;
    source = new EventSource(url, { withCredentials: true });
    toggle.textContent = "■ Stop tail";
    status.textContent = "connecting…";
    source.addEventListener("ready", () => { status.textContent = "listening for new events…"; });
    source.addEventListener("log", (message) => {
      received += 1;
      list.prepend(tailItem(JSON.parse(message.data)));
      while (list.children.length > TAIL_KEEP) list.lastElementChild.remove();
      describe();
    });
    source.addEventListener("dropped", (message) => {
      dropped += Number(message.data);
      describe();
    });
    source.onerror = () => { if (source) status.textContent = "reconnecting…"; };
  });
}

setupCopy();
setupConfirm();
setupRefresh();
setupZoom();
setupTail();

// accountsync dashboard: run-now buttons, and progress that follows the API while runs work.
"use strict";
(function () {
  const HEADERS = { "Content-Type": "application/json", "X-Requested-With": "accountsync" };
  const ACTIVE = ["queued", "running"];

  async function api(path, options) {
    const response = await fetch(path, Object.assign({ credentials: "same-origin", headers: HEADERS }, options || {}));
    if (response.status === 401) { window.location = "/login"; return null; }
    return response;
  }

  function setBar(cell, percent, status) {
    const bar = cell.querySelector(".bar");
    if (!bar) return;
    bar.className = "bar status-" + status;
    const done = !ACTIVE.includes(status);
    const value = percent !== null && percent !== undefined ? percent : (done ? 100 : 0);
    bar.querySelector("span").style.width = value + "%";
    bar.setAttribute("aria-valuenow", value);
  }

  function setStatus(el, status) {
    el.textContent = status;
    el.className = "status status-" + status;
  }

  function sum(obj) { return Object.values(obj || {}).reduce((a, b) => a + (Number(b) || 0), 0); }
  // Counts as the server writes them: thousands separated (12,345).
  function count(n) { return (Number(n) || 0).toLocaleString("en-US"); }

  async function pollRuns(table) {
    const response = await api(table.dataset.poll);
    if (!response || !response.ok) return;
    const page = await response.json();
    let active = false;
    for (const run of page.items) {
      const row = table.querySelector('tr[data-run="' + run.id + '"]');
      if (!row) { if (ACTIVE.includes(run.status)) { window.location.reload(); return; } continue; }
      setStatus(row.querySelector('[data-field="status"] .status') || row.querySelector('[data-field="status"]'), run.status);
      setBar(row.querySelector('[data-field="bar"]'), run.percent, run.status);
      row.querySelector('[data-field="read"]').textContent = count(run.counts.read);
      row.querySelector('[data-field="stored"]').textContent = count((run.counts.inserted || 0) + (run.counts.updated || 0));
      row.querySelector('[data-field="calls"]').textContent = sum(run.api_calls);
      row.querySelector('[data-field="errors"]').textContent = run.error_count;
      active = active || ACTIVE.includes(run.status);
    }
    setTimeout(() => pollRuns(table), active ? 1000 : 4000);
  }

  async function pollRun(box) {
    const response = await api(box.dataset.poll);
    if (!response || !response.ok) return;
    const run = await response.json();
    setStatus(document.getElementById("run-status"), run.status);
    setBar(document.getElementById("run-bar"), run.percent, run.status);
    document.getElementById("run-message").textContent = run.message || "";
    for (const key of ["read", "inserted", "updated", "deleted"]) {
      document.getElementById("run-" + key).textContent = count(run.counts[key]);
    }
    document.getElementById("run-errors").textContent = run.error_count;
    document.getElementById("run-calls").textContent = Object.entries(run.api_calls).map(([k, v]) => k + ": " + v).join(" ");
    if (ACTIVE.includes(run.status)) { setTimeout(() => pollRun(box), 1000); }
    else if (box.dataset.reloaded !== "1") { box.dataset.reloaded = "1"; window.location.reload(); }
  }

  async function runNow(button) {
    button.disabled = true;
    const message = document.getElementById("message");
    const response = await api("/api/jobs/" + encodeURIComponent(button.dataset.job) + "/runs", {
      method: "POST",
      body: JSON.stringify(Object.assign({ kind: button.dataset.kind }, button.dataset.account ? { account: button.dataset.account } : {})),
    });
    if (!response) return;
    const body = await response.json();
    if (!response.ok) {
      const detail = Array.isArray(body.detail) ? body.detail.map((d) => d.msg).join("; ") : body.detail;
      message.textContent = detail || "Could not queue the run."; button.disabled = false; return;
    }
    window.location = "/runs/" + body.run.id;
  }

  function drawCharts() {
    if (typeof Chart === "undefined") return;
    for (const canvas of document.querySelectorAll("canvas[data-chart]")) {
      const spec = JSON.parse(canvas.dataset.chart);
      const data = spec.series.map((s) => ({ label: s.label, data: s.data.map((v) => (v === null ? null : (spec.percent ? 100 * v : v))),
        backgroundColor: s.data.map((v) => (v !== null && v < 0 ? "#d64545" : (s.color || "#2f5bea"))), borderColor: s.color || "#2f5bea" }));
      new Chart(canvas, { type: spec.type, data: { labels: spec.labels, datasets: data },
        options: { indexAxis: spec.horizontal ? "y" : "x", animation: false, plugins: { legend: { display: data.length > 1 } },
          elements: { point: { radius: 4 } }, scales: { y: { beginAtZero: true } } } });
      canvas.dataset.drawn = "1";
    }
  }

  // Bars carry their width as data (the Content-Security-Policy allows no inline style attribute).
  function sizeBars() {
    for (const span of document.querySelectorAll(".bar span[data-width]")) { span.style.width = span.dataset.width + "%"; }
  }

  document.addEventListener("DOMContentLoaded", () => {
    sizeBars();
    for (const button of document.querySelectorAll("button.run-now")) { button.addEventListener("click", () => runNow(button)); }
    const table = document.getElementById("runs");
    if (table) setTimeout(() => pollRuns(table), 1000);
    const box = document.getElementById("run");
    if (box) {
      const status = document.getElementById("run-status").textContent.trim();
      if (ACTIVE.includes(status)) setTimeout(() => pollRun(box), 500);
    }
    drawCharts();
  });
})();

// Hark command center: renders the server's snapshots (boot JSON, then
// server-sent events) into the page. Post text only ever goes into the DOM
// as text (textContent), never as markup, and only http(s) URLs become links.
"use strict";
(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const me = (document.querySelector('meta[name="operator"]') || {}).content || ""; // this session's approver name
  const $ = (id) => document.getElementById(id);
  const rows = new Map(); // queue item ID -> row element
  let now = 0; // virtual time of the latest snapshot (ms)
  let firstRow = false;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function svg(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }
  const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  function pad(n) { return n < 10 ? "0" + n : "" + n; }
  function fmtTime(t) {
    const d = new Date(t);
    if (isNaN(d) || d.getUTCFullYear() < 2000) return "—";
    return DAYS[d.getUTCDay()] + " " + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
  }
  function fmtDur(ms) {
    const m = Math.round(Math.abs(ms) / 60000);
    if (m < 60) return m + "m";
    const h = Math.floor(m / 60);
    if (h < 48) return h + "h" + pad(m % 60);
    return Math.floor(h / 24) + "d" + (h % 24) + "h";
  }
  function fmtClock(t) { // wall time, local
    const d = new Date(t);
    return isNaN(d) ? "" : pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }
  function fmtNum(n) {
    if (n >= 1e6) return (n / 1e6).toFixed(1) + "M";
    if (n >= 1e4) return Math.round(n / 1e3) + "k";
    if (n >= 1e3) return (n / 1e3).toFixed(1) + "k";
    return String(Math.round(n));
  }
  function safeHref(u) { return /^https?:\/\//i.test(u || "") ? u : ""; }

  // ---- Triage queue -------------------------------------------------------

  function post(path, body) {
    const form = new URLSearchParams(body);
    return fetch(path, {
      method: "POST", body: form, credentials: "same-origin",
      headers: { "X-CSRF-Token": csrf },
    }).then((r) => r.json().catch(() => ({ error: "HTTP " + r.status })));
  }

  function act(row, path, extra) {
    if (row.dataset.busy === "1") return; // a second click while the first is on its way
    row.dataset.busy = "1";
    freeze();
    row.querySelectorAll("button").forEach((b) => { b.disabled = true; });
    const sig = row.dataset.sig;
    post(path, Object.assign({ id: row.dataset.id }, extra || {})).then((res) => {
      row.dataset.busy = "";
      // The answer's state, unless a snapshot newer than the request
      // filled the row meanwhile (a slow answer must not undo it).
      if (res.state && row.dataset.sig === sig) setState(row, res.state, res.sends);
      if (res.error) flash(row, res.error);
      updateButtons(row);
    }, () => { row.dataset.busy = ""; updateButtons(row); flash(row, "network error"); });
  }

  function flash(row, msg) {
    const m = row.querySelector(".msg");
    m.textContent = msg;
  }

  const STATES = { sent: "sent ✓", held: "on hold", draft: "awaiting approval", approved: "approved · going out",
    rejected: "rejected", open: "routed" };

  function setState(row, state, sends) {
    row.dataset.state = state;
    row.className = "qi " + (row.dataset.prio || "").toLowerCase() + " st-" + state;
    const st = row.querySelector(".state");
    let label = STATES[state] || state;
    const need = Number(row.dataset.required || 1), got = Number(row.dataset.approvals || 0);
    if (state === "draft" && need > 1) label += " · " + got + " of " + need + " approvals";
    if (state === "sent" && sends > 1) label += " ×" + sends;
    st.textContent = label;
    if (sends !== undefined) row.dataset.sends = sends;
  }

  function updateButtons(row) {
    const busy = row.dataset.busy === "1";
    const s = row.dataset.state;
    const hasDraft = row.dataset.draft === "1";
    const done = s === "sent" || s === "rejected";
    row.querySelector("button.approve").disabled = busy || done || s === "approved" || !hasDraft || row.dataset.mine === "1";
    row.querySelector("button.edit").disabled = busy || done || !hasDraft;
    row.querySelector("button.reject").disabled = busy || done || !hasDraft;
    row.querySelector("button.hold").disabled = busy || done || s === "held" || s === "approved";
  }

  function makeRow(it) {
    const row = el("article", "qi");
    row.dataset.id = it.id;
    const head = el("header");
    head.append(el("span", "prio"), el("span", "sla"), el("span", "who"), el("span", "team"), el("span", "state"));
    const text = el("p", "text");
    const link = el("a", "open", "open post ↗");
    link.rel = "noopener noreferrer nofollow";
    link.target = "_blank";
    const why = el("div", "why");
    const draft = el("div", "draft");
    const dl = el("span", "lbl", "Draft reply");
    const dt = el("p", "draft-text");
    const ta = el("textarea", "draft-edit");
    ta.hidden = true;
    ta.maxLength = 2000;
    const tier = el("p", "tier");
    const note = el("p", "note");
    const sent = el("p", "sentinfo");
    const acts = el("div", "acts");
    const approve = el("button", "approve", "Approve & send");
    const edit = el("button", "edit", "Edit");
    const hold = el("button", "hold", "Hold");
    const reject = el("button", "reject", "Reject");
    const msg = el("span", "msg");
    approve.type = edit.type = hold.type = reject.type = "button";
    acts.append(approve, edit, hold, reject, msg);
    draft.append(dl, dt, ta, tier, note, sent, acts);
    row.append(head, text, link, why, draft);

    approve.addEventListener("click", () => act(row, "/api/approve"));
    hold.addEventListener("click", () => act(row, "/api/hold"));
    reject.addEventListener("click", () => act(row, "/api/reject"));
    edit.addEventListener("click", () => {
      if (ta.hidden) {
        ta.value = dt.textContent;
        ta.hidden = false;
        dt.hidden = true;
        row.dataset.editing = "1";
        edit.textContent = "Save";
        ta.focus();
        return;
      }
      const text = ta.value;
      ta.hidden = true;
      dt.hidden = false;
      row.dataset.editing = "";
      edit.textContent = "Edit";
      dt.textContent = text;
      act(row, "/api/edit", { text: text });
    });
    return row;
  }

  function fillRow(row, it) {
    row.dataset.prio = it.priority || "P4";
    row.dataset.due = it.due ? Date.parse(it.due) : "";
    row.dataset.draft = it.draft ? "1" : "";
    const approvals = it.approvals || [];
    row.dataset.required = it.required || 1;
    row.dataset.approvals = approvals.length;
    row.dataset.mine = me && approvals.some((a) => a.by === me) ? "1" : "";
    row.dataset.replyId = it.reply ? it.reply.id : "";
    const sig = [it.state, it.draft, it.sends, it.edited, it.required, approvals.map((a) => a.by).join(","),
      it.note, row.dataset.replyId].join("\u0000");
    if (row.dataset.sig === sig) return;
    row.dataset.sig = sig;
    const h = row.querySelector("header");
    h.querySelector(".prio").textContent = it.priority || "—";
    const who = (it.handle || "unknown") + " · " + it.source + " · " + fmtNum(it.followers) + " followers" +
      (it.influence ? " · influence " + Math.round(it.influence) : "");
    h.querySelector(".who").textContent = who;
    h.querySelector(".team").textContent = it.team || "";
    row.querySelector(".text").textContent = it.text;
    const link = row.querySelector("a.open");
    const href = safeHref(it.url);
    if (href) { link.href = href; link.hidden = false; } else { link.removeAttribute("href"); link.hidden = true; }
    const why = row.querySelector(".why");
    clear(why);
    why.append(el("span", "chip " + it.label, it.label + " " + (it.sentiment >= 0 ? "+" : "") + it.sentiment.toFixed(2)));
    why.append(el("span", "chip intent", it.intent));
    why.append(el("span", "chip urg u" + it.urgency, "urgency " + it.urgency));
    for (const r of it.reasons || []) {
      why.append(el("span", "chip reason", r.code + (r.span ? " “" + r.span + "”" : "") +
        " " + (r.weight >= 0 ? "+" : "") + r.weight.toFixed(2)));
    }
    if (it.rules && it.rules.length) why.append(el("span", "chip rules", "rules: " + it.rules.join(", ")));
    const draft = row.querySelector(".draft");
    draft.hidden = !it.draft;
    if (row.dataset.editing !== "1") {
      row.querySelector(".draft-text").textContent = it.draft || "";
      row.querySelector(".lbl").textContent = it.edited ? "Draft reply (edited)" : "Draft reply";
    }
    // Who approved, and whether a second person must (a high-risk reply).
    const tier = row.querySelector(".tier");
    const by = approvals.map((a) => a.by + (a.by === me ? " (you)" : "") + " " + fmtClock(a.at)).join(", ");
    let t = "";
    if ((it.required || 1) > 1) {
      t = "needs " + it.required + " different approvers (" + (it.risk || "high risk") + ")";
      if (it.state === "draft" && approvals.length) t += " · waiting for a second approver";
    }
    if (by) t += (t ? " · " : "") + "approved by " + by;
    tier.textContent = t;
    tier.hidden = !t;
    const note = row.querySelector(".note");
    note.textContent = it.note || "";
    note.hidden = !it.note;
    const sent = row.querySelector(".sentinfo");
    sent.textContent = it.reply ? "on the platform: reply " + it.reply.id + (it.reply.url ? " · " + it.reply.url : "") : "";
    sent.hidden = !it.reply;
    setState(row, it.state, it.sends);
    updateButtons(row);
  }

  // After a click on an action the queue keeps its order for a moment, so
  // that the second click of a double click, or the next click, lands on the
  // row it was aimed at and not on one that moved under the pointer.
  let frozenUntil = 0;
  let pending = null;

  // keepInPlace returns the indexes of the longest run of rows, in their
  // wanted order, that are already in that order in the page: those stay
  // and only the others are moved, so few rows move at each update.
  function keepInPlace(seq) {
    const tails = [], tailIdx = [], prev = new Array(seq.length).fill(-1);
    for (let i = 0; i < seq.length; i++) {
      const v = seq[i];
      if (v < 0) continue;
      let lo = 0, hi = tails.length;
      while (lo < hi) { const m = (lo + hi) >> 1; if (tails[m] < v) lo = m + 1; else hi = m; }
      tails[lo] = v;
      tailIdx[lo] = i;
      prev[i] = lo > 0 ? tailIdx[lo - 1] : -1;
    }
    const keep = new Set();
    for (let k = tails.length ? tailIdx[tails.length - 1] : -1; k >= 0; k = prev[k]) keep.add(k);
    return keep;
  }

  function renderQueue(s) {
    const q = $("queue");
    const frozen = Date.now() < frozenUntil;
    if (frozen) {
      pending = s;
      for (const it of s.queue || []) { const row = rows.get(it.id); if (row) fillRow(row, it); }
    } else {
      pending = null;
      const want = [];
      const seen = new Set();
      for (const it of s.queue || []) {
        let row = rows.get(it.id);
        if (!row) { row = makeRow(it); rows.set(it.id, row); }
        fillRow(row, it);
        seen.add(it.id);
        want.push(row);
      }
      for (const [id, row] of rows) {
        if (!seen.has(id) && row.dataset.editing !== "1" && row.dataset.busy !== "1") {
          row.remove();
          rows.delete(id);
        }
      }
      const pos = new Map();
      Array.prototype.forEach.call(q.children, (r, i) => pos.set(r, i));
      const keep = keepInPlace(want.map((r) => (pos.has(r) ? pos.get(r) : -1)));
      let next = null;
      for (let i = want.length - 1; i >= 0; i--) {
        if (!keep.has(i)) q.insertBefore(want[i], next);
        next = want[i];
      }
    }
    const c = s.counts;
    $("q-sum").textContent = c.open + " open · " + c.drafts + " drafts · " + c.held + " on hold · " + c.sent + " sent" +
      (c.missed ? " · " + c.missed + " missed (12 h past due)" : "") +
      (c.dropped ? " · " + c.dropped + " dropped (queue full)" : "");
    tickSLA();
    if (!firstRow && q.firstChild) {
      firstRow = true;
      performance.mark("hark-first-queue-row");
    }
  }

  function freeze() {
    frozenUntil = Date.now() + 1500;
    setTimeout(() => { if (pending && Date.now() >= frozenUntil) renderQueue(pending); }, 1600);
  }

  function tickSLA() {
    for (const row of rows.values()) {
      const sla = row.querySelector(".sla");
      const due = Number(row.dataset.due);
      if (!due || row.dataset.state === "sent") { sla.textContent = ""; sla.className = "sla"; continue; }
      const left = due - now;
      sla.textContent = left >= 0 ? fmtDur(left) + " left" : "overdue " + fmtDur(left);
      sla.className = "sla" + (left < 0 ? " over" : left < 15 * 60000 ? " soon" : "");
    }
  }

  // ---- Charts ------------------------------------------------------------

  function barChart(counts, stacks, w, h, colors, opts) {
    const s = svg("svg", { viewBox: "0 0 " + w + " " + h, width: "100%", preserveAspectRatio: "none", class: "bars" });
    const n = counts.length;
    let top = 1;
    for (const c of counts) top = Math.max(top, c);
    const bw = w / n;
    for (let i = 0; i < n; i++) {
      let y = h;
      for (let k = 0; k < stacks.length; k++) {
        const v = stacks[k][i];
        if (!v) continue;
        const bh = (v / top) * (h - 4);
        y -= bh;
        s.append(svg("rect", { x: (i * bw + 0.5).toFixed(2), y: y.toFixed(2), width: Math.max(bw - 1, 0.5).toFixed(2),
          height: bh.toFixed(2), fill: colors[k] }));
      }
    }
    if (opts && opts.days) {
      for (let i = 0; i < n; i++) {
        const t = new Date(opts.start + i * opts.step * 1000);
        if (t.getUTCHours() === 0) {
          s.append(svg("line", { x1: i * bw, x2: i * bw, y1: 0, y2: h, class: "day" }));
          const lbl = svg("text", { x: i * bw + 2, y: 10, class: "axis" });
          lbl.textContent = DAYS[t.getUTCDay()];
          s.append(lbl);
        }
      }
    }
    const max = svg("text", { x: w - 2, y: 10, class: "axis end" });
    max.textContent = String(top);
    s.append(max);
    return s;
  }

  function renderSurges(s) {
    const box = $("surges");
    clear(box);
    for (const c of s.surges || []) {
      const fig = el("figure", "surge" + (c.active ? " active" : ""));
      fig.dataset.key = c.key;
      const cap = el("figcaption");
      cap.append(el("b", null, c.key));
      if (c.active) cap.append(el("span", "badge hot", "surge open"), el("span", "muted small", "score " + c.score.toFixed(2)));
      const all = c.counts.map((v, i) => v - c.neg[i]);
      const chart = barChart(c.counts, [c.neg, all], 480, 90, ["#e5484d", "#4a6b8a"]);
      const start = Date.parse(c.start);
      const span = c.counts.length * c.step * 1000;
      for (let i = 0; i < c.counts.length; i++) {
        const t = new Date(start + i * c.step * 1000);
        if (t.getUTCMinutes() === 0 && t.getUTCHours() % 6 === 0) {
          const x = (i / c.counts.length) * 480;
          chart.append(svg("line", { x1: x, x2: x, y1: 0, y2: 90, class: "day" }));
          const lbl = svg("text", { x: x + 2, y: 88, class: "axis" });
          lbl.textContent = t.getUTCHours() === 0 ? DAYS[t.getUTCDay()] : pad(t.getUTCHours()) + "h";
          chart.append(lbl);
        }
      }
      for (const a of c.alerts || []) {
        const at = Date.parse(a.at);
        const x = ((at - start) / span) * 480;
        if (x < 0 || x > 480) continue;
        const g = svg("g", { class: "alert-mark", "data-at": a.at, "data-kind": a.kind });
        g.append(svg("line", { x1: x, x2: x, y1: 0, y2: 90 }));
        g.append(svg("path", { d: "M" + (x - 5) + " 0 L" + (x + 5) + " 0 L" + x + " 8 Z" }));
        const t = svg("title", {});
        t.textContent = fmtTime(a.at) + " " + a.kind + " alert, score " + a.score.toFixed(2);
        g.append(t);
        chart.append(g);
      }
      fig.append(cap, chart);
      const last = (c.alerts || [])[c.alerts ? c.alerts.length - 1 : 0];
      if (last) {
        const d = el("p", "drivers");
        d.append(el("span", "muted", fmtTime(last.at) + " " + last.kind + (last.escalation ? " (escalation)" : "") +
          ": " + Math.round(last.observed) + " vs " + last.expected.toFixed(1) + " expected · "));
        d.append(el("span", null, (last.terms || []).slice(0, 4).join(", ") || "no term stood out"));
        fig.append(d);
      }
      box.append(fig);
    }
  }

  const MOOD = { negative: "#e5484d", neutral: "#7c8a9a", positive: "#30a46c", unknown: "#4b5563" };
  const INTENT = { complaint: "#e5484d", question: "#3e8ed0", praise: "#30a46c", suggestion: "#a78bfa",
    purchase_intent: "#f5a524", crisis: "#ff2d55", spam: "#4b5563", other: "#7c8a9a" };

  function stacked(box, legend, names, rowsOf, palette, start, step) {
    const n = rowsOf.length;
    const stacks = names.map((_, k) => rowsOf.map((r) => r[k]));
    const totals = rowsOf.map((r) => r.reduce((a, b) => a + b, 0));
    clear(box);
    box.append(barChart(totals, stacks, 720, 110, names.map((k) => palette[k]), { days: true, start: start, step: step }));
    clear(legend);
    names.forEach((k, i) => {
      const sum = stacks[i].reduce((a, b) => a + b, 0);
      const item = el("span", "lg");
      const sw = el("i", "sw");
      sw.style.background = palette[k];
      item.append(sw, document.createTextNode(k.replace("_", " ") + " " + sum));
      legend.append(item);
    });
    return n;
  }

  function renderMood(s) {
    const m = s.mood;
    const start = Date.parse(m.start);
    stacked($("mood"), $("mood-legend"), m.labels, m.mood, MOOD, start, m.step);
    stacked($("intent"), $("intent-legend"), m.intents, m.intent, INTENT, start, m.step);
  }

  // ---- Alerts, people, health --------------------------------------------

  function renderAlerts(s) {
    const ol = $("alerts");
    clear(ol);
    $("a-sum").textContent = s.alerts_total + " in all";
    for (const a of s.alerts || []) {
      const li = el("li", "al k-" + a.kind);
      li.append(el("span", "t", fmtTime(a.at)), el("span", "badge " + a.kind, a.kind + (a.escalation ? " ↑" : "")),
        el("b", null, a.key), el("span", "muted", " score " + a.score.toFixed(2) + " · " + Math.round(a.observed) +
          " vs " + a.expected.toFixed(1)));
      const d = [].concat(a.terms || [], a.entities || [], a.sources || []).slice(0, 5);
      if (d.length) li.append(el("div", "drv", "drivers: " + d.join(", ")));
      const tp = (a.top_posts || []).find((p) => p.text);
      if (tp) li.append(el("div", "tp", (tp.handle || "") + ": " + tp.text));
      ol.append(li);
    }
  }

  function renderPeople(s) {
    const a = s.authors || {};
    for (const k of ["advocates", "detractors", "helpers"]) {
      const ol = $(k);
      clear(ol);
      const list = a[k] || [];
      if (!list.length) ol.append(el("li", "muted", "none yet"));
      for (const p of list) {
        const li = el("li");
        const nm = el("span", "nm");
        nm.title = p.handle + " on " + p.source;
        nm.append(el("b", null, p.handle), el("span", "muted", " " + p.source));
        li.append(nm, el("span", "score", String(Math.round(p.influence))));
        li.append(el("div", "muted small", "reach " + fmtNum(p.reach) + (p.reason ? " · " + p.reason : "")));
        ol.append(li);
      }
    }
  }

  function spark(values, w, h) {
    const s = svg("svg", { viewBox: "0 0 " + w + " " + h, width: w, height: h, class: "spark" });
    let top = 1;
    for (const v of values) top = Math.max(top, v);
    const pts = values.map((v, i) => (i * w / Math.max(values.length - 1, 1)).toFixed(1) + "," +
      (h - 1 - (v / top) * (h - 2)).toFixed(1));
    s.append(svg("polyline", { points: pts.join(" ") }));
    return s;
  }

  function renderHealth(s) {
    const tb = $("sources");
    clear(tb);
    for (const h of s.sources || []) {
      const tr = el("tr");
      const last = h.last_post ? fmtDur(Date.now() - Date.parse(h.last_post)) + " ago" : "—";
      const state = h.done ? "done" : h.silent ? "SILENT" : h.paused_until ? "paused" : "ok";
      tr.append(el("td", null, h.name), el("td", null, h.delivered), el("td", null, h.per_minute.toFixed(0) + "/min"),
        el("td", null, last), el("td", h.errors ? "bad" : null, h.errors + (h.last_error ? " · " + h.last_error : "")),
        el("td", null, h.rate_limits + " (" + h.waited_s.toFixed(0) + " s)"), el("td", "st " + state, state));
      tb.append(tr);
    }
    const pl = $("platforms");
    clear(pl);
    for (const p of s.platforms || []) {
      const d = el("div", "plat" + (p.silent ? " silent" : ""));
      const lastH = p.hourly.length ? p.hourly[p.hourly.length - 1] : 0;
      d.append(el("b", null, p.name), el("span", "muted", " " + p.total + " · " + lastH + "/h"));
      if (p.silent) d.append(el("span", "badge silence", "silent"));
      d.append(spark(p.hourly, 150, 28));
      pl.append(d);
    }
    const ob = $("outbox");
    clear(ob);
    ob.append(el("span", "muted", "dispatched: "));
    for (const o of (s.outbox || []).slice(0, 10)) ob.append(el("span", "chip", o.name + " " + o.count));
    ob.append(el("span", "chip", "replies auto " + s.replies.auto +
      (s.replies.auto_deferred ? " (" + s.replies.auto_deferred + " deferred by the pacer)" : "") +
      " · approved " + s.replies.approved + " · on the platform " + s.replies.published));
  }

  // The replies the stand-in platform received, newest first: text only.
  function renderReplies(s) {
    const ol = $("platform-replies");
    clear(ol);
    const list = s.replies.recent || [];
    if (!list.length) ol.append(el("li", "muted", "none yet: approve a draft to send one"));
    for (const r of list) {
      const li = el("li");
      li.dataset.id = r.id;
      li.dataset.inReplyTo = r.in_reply_to_id;
      li.append(el("span", "rid", fmtClock(r.at) + " #" + r.id + " → " + r.in_reply_to_id), el("span", "rtext", r.text));
      ol.append(li);
    }
  }

  function render(s) {
    now = Date.parse(s.now);
    $("clock").textContent = fmtTime(s.now);
    $("mode").textContent = s.mode === "replay" ? (s.done ? " replay finished" : " replay ×" + s.speed) : " live";
    $("k-posts").textContent = s.posts;
    $("k-open").textContent = s.counts.open;
    $("k-p1").textContent = s.counts.p1;
    $("k-overdue").textContent = s.counts.overdue;
    $("k-drafts").textContent = s.counts.drafts;
    $("k-alerts").textContent = s.alerts_total;
    $("k-sent").textContent = s.replies.published;
    renderQueue(s);
    renderSurges(s);
    renderMood(s);
    renderAlerts(s);
    renderPeople(s);
    renderHealth(s);
    renderReplies(s);
  }

  function start() {
    $("operator").textContent = me;
    const boot = $("boot");
    if (boot) render(JSON.parse(boot.textContent));
    const es = new EventSource("/events");
    es.addEventListener("state", (e) => { render(JSON.parse(e.data)); });
    es.onopen = () => { $("conn").textContent = "● live"; $("conn").className = "conn ok"; };
    es.onerror = () => { $("conn").textContent = "reconnecting…"; $("conn").className = "conn bad"; };
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

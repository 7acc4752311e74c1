// Handoff console (docs/console.md): the queue, the agent's own conversations, the callback list
// and one open conversation. The WebSocket only says what changed; the page then re-reads the JSON,
// so a missed push never leaves it wrong. Messages are keyed by id and never shown twice.
// Server text is always inserted with textContent, never parsed as HTML: citizens type anything.
(() => {
  "use strict";

  const API = "/staff/console/api";
  const LOGIN_URL = "/staff/login?next=/staff/console";
  const SESSION_ENDED = "Phiên đăng nhập đã hết, vui lòng đăng nhập lại";
  const NETWORK_ERROR = "Không kết nối được với máy chủ, đang thử lại…";
  const CALLBACK_ROLES = ["hotline", "supervisor", "admin"];
  const SUPERVISING_ROLES = ["supervisor", "admin"];   // read every handoff; may reveal personal data
  const TEAM_LABELS = { volunteer: "Tình nguyện viên", hotline: "Tổng đài" };
  const AUTHOR_LABELS = { citizen: "Công dân", bot: "Trợ lý ảo", staff: "Cán bộ", system: "Hệ thống" };
  const AUTHORS = ["citizen", "bot", "staff", "system"];
  const OUTCOME_LABELS = {
    resolved: "Đã giải quyết", unresolved: "Chưa giải quyết", callback: "Hẹn gọi lại", spam: "Tin rác",
    returned: "Trả lại trợ lý ảo", cancelled: "Công dân hủy chờ",
  };
  const MAX_FILE_BYTES = 10 * 1024 * 1024;
  const FILE_TYPES = ["image/jpeg", "image/png", "application/pdf"];
  const PING_MS = 15000;
  const POLL_MS = 20000;
  const BACKOFF_MIN_MS = 1000;
  const BACKOFF_MAX_MS = 15000;

  const $ = (id) => document.getElementById(id);
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.content : "";

  const el = {
    root: $("console"),
    presence: $("presence"), teams: $("teams"), wsStatus: $("ws-status"), error: $("console-error"),
    queue: $("queue"), queueEmpty: $("queue-empty"), queueCount: $("queue-count"),
    mine: $("mine"), mineEmpty: $("mine-empty"), mineCount: $("mine-count"),
    callbacksBox: $("callbacks-box"), callbacks: $("callbacks"), callbacksEmpty: $("callbacks-empty"),
    callbacksCount: $("callbacks-count"),
    handoff: $("handoff"), placeholder: $("handoff-placeholder"), open: $("handoff-open"),
    title: $("handoff-title"), meta: $("handoff-meta"), summary: $("handoff-summary"),
    note: $("handoff-note"), left: $("handoff-left"),
    transcript: $("transcript"), composer: $("composer"), reply: $("reply"), send: $("send-reply"),
    file: $("file"), cannedQ: $("canned-q"), canned: $("canned"), dossiers: $("dossiers"),
    transferForm: $("transfer-form"), transferTeam: $("transfer-team"), transferNote: $("transfer-note"),
    transfer: $("transfer"), closeForm: $("close-form"), outcome: $("outcome"), close: $("close"),
    returnBot: $("return-bot"), reveal: $("reveal"),
  };

  const state = {
    me: null,
    ended: false,           // the session is over: stop talking to the server
    openId: null,           // the handoff shown in the main panel
    handoff: null,          // its last known JSON
    gone: false,            // the open handoff can no longer be read by this agent (transferred away…)
    messages: new Map(),    // message id -> {sig, node} for the open handoff
    loadSeq: 0,             // discards answers for a handoff that is no longer the latest request
    busy: false,            // an action on the open handoff is in flight
    stick: true,            // the agent is at the bottom of the transcript
    errorKind: "",          // "network" errors clear themselves when the server answers again
    reveal: false,          // a supervisor asked for personal data in full (each read audited)
  };

  // ---- small helpers ------------------------------------------------------------------------------
  function node(tag, className, text) {
    const n = document.createElement(tag);
    if (className) n.className = className;
    if (text !== undefined && text !== null) n.textContent = String(text);
    return n;
  }

  const linkPattern = /(https?:\/\/[^\s<>"')]+)/g;

  function appendText(target, text) {
    // Bare links become anchors without ever parsing the text as HTML.
    let last = 0;
    for (const match of text.matchAll(linkPattern)) {
      target.append(text.slice(last, match.index));
      const a = node("a", "", match[0]);
      a.href = match[0];
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      target.append(a);
      last = match.index + match[0].length;
    }
    target.append(text.slice(last));
  }

  function sameOriginPath(url) {
    // Attachment links come from the gateway; only accept its own absolute paths.
    return typeof url === "string" && url.startsWith("/") && !url.startsWith("//") && !url.includes("\\");
  }

  const timeFormat = new Intl.DateTimeFormat("vi-VN", {
    timeZone: "Asia/Ho_Chi_Minh", hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit",
    year: "numeric", hour12: false,
  });

  function formatTime(value) {
    if (!value) return "";
    const text = String(value);
    if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return text; // free text (e.g. "sau 14 giờ") stays as it is
    const date = new Date(text);
    if (Number.isNaN(date.getTime())) return text;
    const parts = Object.fromEntries(timeFormat.formatToParts(date).map((p) => [p.type, p.value]));
    return `${parts.hour}:${parts.minute} ${parts.day}/${parts.month}/${parts.year}`;
  }

  function formatWaiting(seconds) {
    const total = Math.max(0, Math.floor(seconds));
    const h = Math.floor(total / 3600);
    const m = Math.floor((total % 3600) / 60);
    const s = total % 60;
    return (h ? `${h} giờ ` : "") + `${m} phút ${s} giây`;
  }

  function teamLabel(team) {
    return TEAM_LABELS[team] || team;
  }

  function setCount(counter, n) {
    counter.textContent = String(n);
  }

  // ---- errors -------------------------------------------------------------------------------------
  function showError(message, kind) {
    el.error.replaceChildren(document.createTextNode(message));
    el.error.hidden = false;
    state.errorKind = kind || "";
  }

  function clearError(kind) {
    if (state.ended) return;
    if (kind && state.errorKind !== kind) return;
    el.error.replaceChildren();
    el.error.hidden = true;
    state.errorKind = "";
  }

  function sessionEnded() {
    if (state.ended) return;
    state.ended = true;
    el.error.replaceChildren(document.createTextNode(SESSION_ENDED + ". "));
    const link = node("a", "", "Đăng nhập");
    link.href = LOGIN_URL;
    link.id = "console-login";
    el.error.append(link);
    el.error.hidden = false;
    state.errorKind = "session";
    stopLive();
    updateControls();
    el.presence.disabled = true;
  }

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  function fail(error) {
    if (error instanceof ApiError && error.status === 401) {
      sessionEnded();
    } else if (error instanceof ApiError && error.status === 0) {
      showError(NETWORK_ERROR, "network");
    } else {
      showError(error && error.message ? error.message : "Đã có lỗi xảy ra. Vui lòng thử lại.");
    }
  }

  async function api(method, path, body) {
    if (state.ended) throw new ApiError(401, SESSION_ENDED);
    const init = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method !== "GET") init.headers["X-CSRF-Token"] = csrf;
    if (body instanceof FormData) {
      init.body = body;
    } else if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(API + path, init);
    } catch (_) {
      throw new ApiError(0, NETWORK_ERROR);
    }
    // A redirect to the login form means the session ended, like a 401.
    if (response.status === 401 || (response.redirected && new URL(response.url).pathname === "/staff/login")) {
      throw new ApiError(401, SESSION_ENDED);
    }
    let data = null;
    let page = "";
    const type = response.headers.get("Content-Type") || "";
    if (type.includes("json")) {
      try { data = await response.json(); } catch (_) { data = null; }
    } else if (!response.ok && type.includes("text/html")) {
      try { page = await response.text(); } catch (_) { page = ""; }
    }
    if (!response.ok) {
      let message = data && typeof data.error === "string" && data.error ? data.error : errorFromPage(page);
      if (!message) message = `Đã có lỗi xảy ra (mã ${response.status}). Vui lòng thử lại.`;
      throw new ApiError(response.status, message);
    }
    if (data === null) throw new ApiError(response.status, "Máy chủ trả lời không đúng định dạng.");
    return data;
  }

  // Some refusals (CSRF, invalid data) come back as the staff error page: show its message only.
  // DOMParser builds an inert document, nothing in it runs or loads.
  function errorFromPage(html) {
    if (!html) return "";
    const doc = new DOMParser().parseFromString(html, "text/html");
    const alert = doc.querySelector('[role="alert"]');
    return alert ? alert.textContent.trim().slice(0, 500) : "";
  }

  // Runs fn at most once at a time; calls made meanwhile are folded into one more run afterwards.
  function coalesce(fn) {
    let running = null;
    let again = false;
    const run = async () => {
      if (running) { again = true; return running; }
      running = (async () => {
        do {
          again = false;
          try { await fn(); } catch (error) { fail(error); }
        } while (again && !state.ended);
      })();
      try { await running; } finally { running = null; }
    };
    return run;
  }

  // Keyed list update: unchanged items keep their DOM node (and whatever the agent is typing in it).
  function reconcile(list, items, signature, build) {
    const existing = new Map();
    for (const child of Array.from(list.children)) existing.set(child.dataset.key, child);
    let previous = null;
    for (const item of items) {
      const key = String(item.id);
      const sig = signature(item);
      let child = existing.get(key);
      if (child && child.dataset.sig !== sig) {
        const fresh = build(item);
        child.replaceWith(fresh);
        child = fresh;
      } else if (!child) {
        child = build(item);
      }
      child.dataset.key = key;
      child.dataset.sig = sig;
      existing.delete(key);
      const wanted = previous ? previous.nextSibling : list.firstChild;
      if (wanted !== child) list.insertBefore(child, wanted);
      previous = child;
    }
    for (const stale of existing.values()) stale.remove();
  }

  // ---- queue, mine, callbacks ---------------------------------------------------------------------
  function summaryFacts(target, summary, withDt) {
    const facts = [
      ["Thủ tục", summary && summary.procedure],
      ["Mã hồ sơ", summary && summary.dossier_code],
      ["Câu hỏi", summary && summary.question],
    ];
    for (const [label, value] of facts) {
      if (!value) continue;
      if (withDt) {
        target.append(node("dt", "", label), node("dd", label === "Mã hồ sơ" ? "code" : "", value));
      } else {
        const line = node("p", "item__fact");
        line.append(node("span", "item__label", label + ": "),
          node("span", label === "Mã hồ sơ" ? "code" : "", value));
        target.append(line);
      }
    }
  }

  function withoutTiming(h) {
    // waiting_seconds changes on every read; the timer shows it, so it must not force a rebuild.
    const { waiting_seconds: _w, ...rest } = h;
    return JSON.stringify(rest);
  }

  function buildQueueItem(h) {
    const li = node("li", "item queue-item");
    li.dataset.id = String(h.id);
    const head = node("p", "item__head");
    head.append(node("span", "tag tag--team", h.team_label || teamLabel(h.team)),
      node("span", "item__reason", h.reason_label || h.reason || ""));
    const meta = node("p", "item__meta");
    const waiting = node("span", "waiting");
    waiting.dataset.base = String(Number(h.waiting_seconds) || 0);
    waiting.dataset.from = String(Date.now());
    waiting.textContent = formatWaiting(Number(h.waiting_seconds) || 0);
    meta.append("Chờ ", waiting, " · ", node("span", "item__channel", h.channel_label || h.channel || ""));
    li.append(head, meta);
    summaryFacts(li, h.summary, false);
    const claim = node("button", "btn claim", "Nhận");
    claim.type = "button";
    claim.dataset.id = String(h.id);
    claim.disabled = state.ended;
    li.append(claim);
    return li;
  }

  function queueSignature(h) {
    // Re-reading restarts the timer from the server's figure only when the item changed otherwise;
    // the base is refreshed in place below.
    return withoutTiming(h);
  }

  function refreshWaitingBase(items) {
    const byId = new Map(items.map((h) => [String(h.id), h]));
    for (const waiting of el.queue.querySelectorAll(".queue-item .waiting")) {
      const h = byId.get(waiting.closest(".queue-item").dataset.id);
      if (!h) continue;
      waiting.dataset.base = String(Number(h.waiting_seconds) || 0);
      waiting.dataset.from = String(Date.now());
    }
    tickWaiting();
  }

  function tickWaiting() {
    const now = Date.now();
    for (const waiting of el.queue.querySelectorAll(".waiting")) {
      const seconds = Number(waiting.dataset.base) + (now - Number(waiting.dataset.from)) / 1000;
      const text = formatWaiting(seconds);
      if (waiting.textContent !== text) waiting.textContent = text;
    }
  }

  function buildMineItem(h) {
    const li = node("li", "item mine-item");
    li.dataset.id = String(h.id);
    const open = node("button", "item__open");
    open.type = "button";
    open.dataset.id = String(h.id);
    const head = node("span", "item__head");
    head.append(node("span", "tag tag--team", h.team_label || teamLabel(h.team)),
      node("span", "item__channel", h.channel_label || h.channel || ""));
    const summary = h.summary || {};
    const line = node("span", "item__line",
      summary.procedure || summary.question || summary.dossier_code || h.citizen || `#${h.id}`);
    open.append(head, line);
    li.append(open);
    return li;
  }

  function markOpenInMine() {
    for (const item of el.mine.querySelectorAll(".mine-item")) {
      const current = item.dataset.id === String(state.openId);
      item.classList.toggle("is-open", current);
      if (current) item.setAttribute("aria-current", "true"); else item.removeAttribute("aria-current");
    }
  }

  function buildCallbackItem(c) {
    const li = node("li", "item callback-item");
    li.dataset.id = String(c.id);
    const head = node("p", "item__head");
    const phone = node("a", "callback__phone code", c.phone || "");
    if (c.phone) phone.href = "tel:" + String(c.phone).replace(/[^\d+]/g, "");
    head.append(phone, node("span", "item__channel", c.channel_label || ""));
    li.append(head);
    if (c.topic) li.append(node("p", "callback__topic", c.topic));
    const when = node("p", "item__meta");
    if (c.call_after) when.append("Gọi sau: ", node("span", "callback__after", formatTime(c.call_after)));
    if (c.created_at) {
      if (c.call_after) when.append(" · ");
      when.append("Yêu cầu lúc ", node("span", "", formatTime(c.created_at)));
    }
    li.append(when);
    if (c.status === "done") {
      li.classList.add("is-done");
      li.append(node("p", "hint", "Đã gọi" + (c.done_by ? ` · ${c.done_by}` : "")));
      return li;
    }
    const done = node("button", "btn btn--ghost callback-done", "Đã gọi");
    done.type = "button";
    done.dataset.id = String(c.id);
    done.disabled = state.ended;
    const form = node("form", "callback-form");
    form.hidden = true;
    form.dataset.id = String(c.id);
    const label = node("label", "", "Ghi chú cuộc gọi");
    const note = node("input", "callback-note");
    note.name = "note";
    note.maxLength = 1000;
    note.autocomplete = "off";
    label.append(note);
    const confirm = node("button", "btn callback-confirm", "Xác nhận");
    confirm.type = "submit";
    const cancel = node("button", "btn btn--ghost callback-cancel", "Huỷ");
    cancel.type = "button";
    const actions = node("div", "callback-form__actions");
    actions.append(confirm, cancel);
    form.append(label, actions);
    li.append(done, form);
    return li;
  }

  function renderQueue(data) {
    const me = data.me || {};
    state.me = me;
    if (el.presence.dataset.busy !== "1" && (me.presence === "online" || me.presence === "away")) {
      el.presence.value = me.presence;
      el.presence.dataset.status = me.presence;
    }
    el.presence.disabled = state.ended || el.presence.dataset.busy === "1";
    const teams = Array.isArray(me.teams) ? me.teams : [];
    el.teams.textContent = teams.length ? teams.map(teamLabel).join(", ") : "—";

    const waiting = Array.isArray(data.waiting) ? data.waiting : [];
    reconcile(el.queue, waiting, queueSignature, buildQueueItem);
    refreshWaitingBase(waiting);
    el.queueEmpty.hidden = waiting.length > 0;
    setCount(el.queueCount, waiting.length);

    const mine = Array.isArray(data.mine) ? data.mine : [];
    reconcile(el.mine, mine, (h) => withoutTiming(h), buildMineItem);
    el.mineEmpty.hidden = mine.length > 0;
    setCount(el.mineCount, mine.length);
    markOpenInMine();

    const callbacks = Array.isArray(data.callbacks) ? data.callbacks : [];
    el.callbacksBox.hidden = !(CALLBACK_ROLES.includes(me.role) || callbacks.length > 0);
    reconcile(el.callbacks, callbacks, (c) => JSON.stringify(c), buildCallbackItem);
    el.callbacksEmpty.hidden = callbacks.length > 0;
    setCount(el.callbacksCount, callbacks.filter((c) => c.status !== "done").length);

    // Teams a volunteer cannot transfer to are not offered.
    for (const option of el.transferTeam.options) {
      option.disabled = me.role === "volunteer" && option.value === "volunteer";
    }
    if (state.handoff) renderHandoffHead(state.handoff);
  }

  const loadQueue = coalesce(async () => {
    const data = await api("GET", "/queue");
    clearError("network");
    renderQueue(data);
  });

  // ---- the open handoff ---------------------------------------------------------------------------
  function ownsOpen() {
    const h = state.handoff;
    if (!h || h.status !== "active" || state.gone) return false;
    const me = state.me;
    return !(h.agent && me && me.username && h.agent !== me.username);
  }

  // The gateway shows a handoff waiting in a queue to that team's agents, an active or closed one
  // to its agent only (a closed one for a day), and every handoff to supervisors and admins.
  function readable(h) {
    const me = state.me;
    if (!h || !me || !Array.isArray(me.teams)) return true;
    if (SUPERVISING_ROLES.includes(me.role)) return true;
    if (Boolean(h.agent) && h.agent === me.username) return true;
    return h.status === "waiting" && me.teams.includes(h.team);
  }

  function renderReveal(data) {
    if (!el.reveal) return;
    el.reveal.hidden = !data.can_reveal;
    state.reveal = Boolean(data.revealed);
    el.reveal.setAttribute("aria-pressed", state.reveal ? "true" : "false");
    el.reveal.textContent = state.reveal ? "Ẩn thông tin cá nhân" : "Hiện đầy đủ thông tin cá nhân (ghi nhật ký)";
  }

  function updateControls() {
    const can = !state.ended && !state.busy && ownsOpen();
    for (const control of [el.reply, el.send, el.file, el.transferTeam, el.transferNote, el.transfer,
      el.outcome, el.close, el.returnBot]) {
      control.disabled = !can;
    }
    for (const button of document.querySelectorAll("button.claim, button.callback-done, button.callback-confirm")) {
      button.disabled = state.ended;
    }
  }

  function leftText(h) {
    const me = state.me;
    if (h.status === "closed") {
      const outcome = h.outcome ? ` (${OUTCOME_LABELS[h.outcome] || h.outcome})` : "";
      return `Cuộc trò chuyện đã kết thúc${outcome} và đã rời khỏi Anh/Chị.`;
    }
    if (h.status === "waiting") {
      return `Cuộc trò chuyện đã rời khỏi Anh/Chị: đang chờ trong hàng «${h.team_label || teamLabel(h.team)}».`;
    }
    if (h.status === "active" && h.agent && me && me.username && h.agent !== me.username) {
      return `Cuộc trò chuyện đã rời khỏi Anh/Chị: ${h.agent_name || h.agent} đang phụ trách.`;
    }
    if (state.gone) return "Cuộc trò chuyện đã rời khỏi Anh/Chị.";
    return "";
  }

  function renderHandoffHead(h) {
    el.handoff.dataset.id = String(h.id);
    el.handoff.dataset.status = h.status || "";
    el.placeholder.hidden = true;
    el.open.hidden = false;
    el.title.textContent = `Cuộc trò chuyện #${h.id}`;
    const meta = [h.reason_label || h.reason, h.team_label || teamLabel(h.team), h.channel_label || h.channel,
      h.citizen, h.agent_name ? `phụ trách: ${h.agent_name}` : ""].filter(Boolean);
    el.meta.textContent = meta.join(" · ");
    el.summary.replaceChildren();
    summaryFacts(el.summary, h.summary, true);
    el.summary.hidden = !el.summary.childElementCount;
    if (h.transfer_note) {
      el.note.replaceChildren(node("strong", "", "Ghi chú khi chuyển: "), document.createTextNode(h.transfer_note));
      el.note.hidden = false;
    } else {
      el.note.hidden = true;
      el.note.replaceChildren();
    }
    const left = leftText(h);
    el.left.textContent = left;
    el.left.hidden = !left;
    el.open.classList.toggle("is-left", Boolean(left));
    updateControls();
  }

  function messageSignature(m) {
    return JSON.stringify([m.author, m.author_name, m.text, m.at, m.buttons, m.attachments]);
  }

  function buildMessage(m) {
    const author = AUTHORS.includes(m.author) ? m.author : "system";
    const li = node("li", `msg msg--${author}`);
    li.dataset.id = String(m.id);
    // Author and time are drawn by the stylesheet from data attributes, so the element's text is
    // the message itself (what a test or a copy-paste reads).
    li.dataset.author = m.author_name || AUTHOR_LABELS[author];
    if (m.at) li.dataset.time = formatTime(m.at);
    if (m.text) {
      const text = node("div", "msg__text");
      appendText(text, String(m.text));
      li.append(text);
    }
    const buttons = Array.isArray(m.buttons) ? m.buttons : [];
    if (buttons.length) {
      const chips = node("ul", "msg__chips");
      chips.setAttribute("aria-label", "Nút trợ lý ảo đã đưa ra");
      for (const b of buttons) {
        const title = b && typeof b === "object" ? (b.title || b.payload || "") : b;
        chips.append(node("li", "chip", title));
      }
      li.append(chips);
    }
    const attachments = Array.isArray(m.attachments) ? m.attachments : [];
    if (attachments.length) {
      const files = node("ul", "msg__files");
      for (const a of attachments) {
        const item = node("li", "msg__file");
        const name = a.filename || "tệp đính kèm";
        if (!sameOriginPath(a.url)) {
          item.textContent = name;
        } else {
          const link = node("a", "msg__link");
          link.href = a.url;
          link.target = "_blank";
          link.rel = "noopener";
          if (String(a.content_type || "").startsWith("image/")) {
            const img = node("img", "msg__thumb");
            img.src = a.url;
            img.alt = name;
            img.loading = "lazy";
            img.addEventListener("load", () => { if (state.stick) scrollToBottom(); });
            link.append(img, node("span", "msg__filename", name));
          } else {
            link.textContent = name;
          }
          item.append(link);
        }
        files.append(item);
      }
      li.append(files);
    }
    return li;
  }

  function atBottom() {
    const t = el.transcript;
    return t.scrollHeight - t.scrollTop - t.clientHeight < 40;
  }

  function scrollToBottom() {
    el.transcript.scrollTop = el.transcript.scrollHeight;
  }

  // Puts messages in place by id: a message already shown is never added again.
  function upsertMessages(messages, full) {
    const wasAtBottom = state.stick || atBottom();
    const seen = new Set();
    let previous = null;
    for (const m of messages) {
      if (m === null || m.id === undefined || m.id === null) continue;
      const key = String(m.id);
      if (seen.has(key)) continue;
      seen.add(key);
      const sig = messageSignature(m);
      let entry = state.messages.get(key);
      if (entry && entry.sig !== sig) {
        const fresh = buildMessage(m);
        entry.node.replaceWith(fresh);
        entry = { sig, node: fresh };
        state.messages.set(key, entry);
      } else if (!entry) {
        entry = { sig, node: buildMessage(m) };
        state.messages.set(key, entry);
      }
      if (full) {
        const wanted = previous ? previous.nextSibling : el.transcript.firstChild;
        if (wanted !== entry.node) el.transcript.insertBefore(entry.node, wanted);
        previous = entry.node;
      } else if (!entry.node.isConnected) {
        el.transcript.append(entry.node);
      }
    }
    if (full) {
      for (const [key, entry] of state.messages) {
        if (!seen.has(key)) { entry.node.remove(); state.messages.delete(key); }
      }
    }
    if (wasAtBottom) scrollToBottom();
    state.stick = atBottom();
  }

  function renderDossiers(dossiers) {
    el.dossiers.replaceChildren();
    if (!dossiers.length) {
      el.dossiers.append(node("li", "empty", "Chưa có hồ sơ nào."));
      return;
    }
    for (const d of dossiers) {
      const li = node("li", "dossier");
      const link = node("a", "code", d.code);
      link.href = "/staff/dossiers/" + encodeURIComponent(d.code);
      link.target = "_blank";
      link.rel = "noopener";
      li.append(link, node("span", "dossier__title", d.title || ""), node("span", "badge", d.status_label || ""));
      el.dossiers.append(li);
    }
  }

  function clearPanel() {
    state.messages.clear();
    el.transcript.replaceChildren();
    el.dossiers.replaceChildren();
    el.reply.value = "";
    el.transferNote.value = "";
    el.outcome.selectedIndex = 0;
    if (el.reveal) el.reveal.hidden = true;
    state.stick = true;
  }

  async function loadHandoff(id) {
    if (state.ended) return;
    const seq = ++state.loadSeq;
    let data;
    try {
      data = await api("GET", `/handoffs/${encodeURIComponent(id)}${state.reveal ? "?reveal=1" : ""}`);
    } catch (error) {
      if (seq !== state.loadSeq) return;
      if (error instanceof ApiError && (error.status === 403 || error.status === 404) && state.handoff
          && String(state.openId) === String(id)) {
        // It was open here and is no longer ours to read (transferred to another team, taken…):
        // keep the transcript on screen and say it left, this is not an error.
        state.gone = true;
        renderHandoffHead(state.handoff);
        return;
      }
      fail(error);
      return;
    }
    if (seq !== state.loadSeq || String(state.openId) !== String(id)) return; // a newer read or another handoff
    clearError("network");
    if (data.handoff) {
      state.handoff = data.handoff;
      renderHandoffHead(data.handoff);
    }
    renderReveal(data);
    upsertMessages(Array.isArray(data.messages) ? data.messages : [], true);
    renderDossiers(Array.isArray(data.dossiers) ? data.dossiers : []);
  }

  function openHandoff(id, handoff) {
    if (String(state.openId) !== String(id)) {
      state.openId = id;
      state.handoff = null;
      state.gone = false;
      state.reveal = false;   // a reveal is for one conversation, never carried to the next
      state.loadSeq++;
      clearPanel();
      if (!el.canned.childElementCount) loadCanned();
    }
    if (handoff) {
      state.handoff = handoff;
      renderHandoffHead(handoff);
    } else {
      el.handoff.dataset.id = String(id);
      el.placeholder.hidden = true;
      el.open.hidden = false;
      updateControls();
    }
    markOpenInMine();
    return loadHandoff(id);
  }

  // An action's answer (a handoff) replaces the header at once; the socket push then re-reads it.
  async function act(path, body, after) {
    if (state.busy || !state.openId) return;
    const id = state.openId;
    clearError();
    state.busy = true;
    updateControls();
    try {
      const result = await api("POST", `/handoffs/${encodeURIComponent(id)}${path}`, body);
      if (String(state.openId) === String(id)) {
        if (after) after(result);
      }
    } catch (error) {
      fail(error);
    } finally {
      state.busy = false;
      updateControls();
    }
    // Re-read (an audited view) only while the conversation is still the agent's; the answer of a
    // transfer, close or return already says where it went.
    if (String(state.openId) === String(id) && ownsOpen()) loadHandoff(id);
    loadQueue();
  }

  function applyHandoff(h) {
    if (h && h.id !== undefined) {
      state.handoff = h;
      if (!readable(h)) state.gone = true;
      renderHandoffHead(h);
    }
  }

  function sendReply() {
    const text = el.reply.value;
    if (!text.trim()) {
      el.reply.focus();
      return;
    }
    if (text.length > 2000) {
      showError("Câu trả lời dài quá 2000 ký tự.");
      return;
    }
    act("/reply", { text }, (message) => {
      el.reply.value = "";
      state.stick = true;
      if (message && message.id !== undefined) upsertMessages([message], false);
      scrollToBottom();
      el.reply.focus();
    });
  }

  function sendFile() {
    const file = el.file.files && el.file.files[0];
    if (!file) return;
    el.file.value = "";
    if (!FILE_TYPES.includes(file.type)) {
      showError("Chỉ gửi được tệp JPEG, PNG hoặc PDF.");
      return;
    }
    if (file.size > MAX_FILE_BYTES) {
      showError("Tệp lớn hơn 10 MB, không gửi được.");
      return;
    }
    const form = new FormData();
    form.append("file", file, file.name);
    act("/files", form, (message) => {
      state.stick = true;
      if (message && message.id !== undefined) upsertMessages([message], false);
      scrollToBottom();
    });
  }

  // ---- canned replies -----------------------------------------------------------------------------
  let cannedSeq = 0;
  let cannedTimer = 0;

  async function loadCanned() {
    const seq = ++cannedSeq;
    const q = el.cannedQ.value.trim();
    let items;
    try {
      items = await api("GET", `/canned?q=${encodeURIComponent(q)}`);
    } catch (error) {
      if (seq === cannedSeq) fail(error);
      return;
    }
    if (seq !== cannedSeq) return;
    el.canned.replaceChildren();
    const list = Array.isArray(items) ? items.slice(0, 5) : [];
    if (!list.length) {
      el.canned.append(node("li", "empty", "Không tìm thấy câu trả lời mẫu."));
      return;
    }
    for (const item of list) {
      const li = node("li", "canned-item");
      li.dataset.id = String(item.id);
      const button = node("button", "canned__pick");
      button.type = "button";
      button.title = "Đưa vào ô trả lời (chưa gửi)";
      button.append(node("span", "canned__q", item.question || ""), node("span", "canned__a", item.answer || ""));
      button.addEventListener("click", () => {
        el.reply.value = item.answer || "";
        if (!el.reply.disabled) el.reply.focus();
      });
      li.append(button);
      el.canned.append(li);
    }
  }

  // ---- live updates -------------------------------------------------------------------------------
  let socket = null;
  let pingTimer = 0;
  let reconnectTimer = 0;
  let pollTimer = 0;
  let backoff = BACKOFF_MIN_MS;

  function setConn(stateName, text) {
    el.wsStatus.dataset.state = stateName;
    el.wsStatus.textContent = text;
  }

  function connect() {
    if (state.ended) return;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    let ws;
    try {
      ws = new WebSocket(`${scheme}//${location.host}/staff/console/ws`);
    } catch (_) {
      scheduleReconnect();
      return;
    }
    socket = ws;
    setConn("connecting", "Đang kết nối…");
    ws.addEventListener("open", () => {
      if (socket !== ws) return;
      backoff = BACKOFF_MIN_MS;
      setConn("open", "Đã kết nối");
      ping();
      clearInterval(pingTimer);
      pingTimer = setInterval(ping, PING_MS);
      loadQueue(); // catch up with whatever changed while disconnected
      if (state.openId !== null) loadHandoff(state.openId);
    });
    ws.addEventListener("message", (event) => {
      let data;
      try { data = JSON.parse(event.data); } catch (_) { return; }
      if (!data || typeof data !== "object") return;
      if (data.type === "queue") {
        loadQueue();
      } else if (data.type === "handoff") {
        // While an action on it is in flight, its answer decides whether to re-read (see act).
        if (state.openId !== null && String(data.id) === String(state.openId) && !state.gone
            && !state.busy && readable(state.handoff)) {
          loadHandoff(state.openId);
        }
        loadQueue();
      }
    });
    ws.addEventListener("close", () => {
      if (socket !== ws) return;
      socket = null;
      clearInterval(pingTimer);
      if (state.ended) return;
      setConn("closed", "Mất kết nối, đang kết nối lại…");
      scheduleReconnect();
      loadQueue(); // a refused socket may mean the session ended: the API says so with a 401
    });
  }

  function ping() {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify({ type: "ping" }));
  }

  function scheduleReconnect() {
    clearTimeout(reconnectTimer);
    const delay = backoff;
    backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    reconnectTimer = setTimeout(connect, delay);
  }

  function stopLive() {
    clearInterval(pingTimer);
    clearInterval(pollTimer);
    clearTimeout(reconnectTimer);
    if (socket) {
      const ws = socket;
      socket = null;
      ws.close();
    }
    setConn("closed", "Đã ngắt kết nối");
  }

  // ---- events -------------------------------------------------------------------------------------
  el.queue.addEventListener("click", async (event) => {
    const button = event.target.closest("button.claim");
    if (!button || button.disabled) return;
    clearError();
    button.disabled = true;
    const id = button.dataset.id;
    try {
      const handoff = await api("POST", `/handoffs/${encodeURIComponent(id)}/claim`);
      openHandoff(handoff && handoff.id !== undefined ? handoff.id : id, handoff);
    } catch (error) {
      fail(error);
      button.disabled = state.ended;
    }
    loadQueue();
  });

  el.mine.addEventListener("click", (event) => {
    const item = event.target.closest(".mine-item");
    if (!item) return;
    clearError();
    openHandoff(item.dataset.id);
  });

  el.callbacks.addEventListener("click", (event) => {
    const item = event.target.closest(".callback-item");
    if (!item) return;
    const form = item.querySelector(".callback-form");
    const done = item.querySelector(".callback-done");
    if (event.target.closest(".callback-done") && form) {
      form.hidden = false;
      done.hidden = true;
      form.querySelector(".callback-note").focus();
    } else if (event.target.closest(".callback-cancel") && form) {
      form.hidden = true;
      done.hidden = false;
      done.focus();
    }
  });

  el.callbacks.addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target.closest(".callback-form");
    if (!form) return;
    const confirm = form.querySelector(".callback-confirm");
    if (confirm.disabled) return;
    clearError();
    confirm.disabled = true;
    const note = form.querySelector(".callback-note").value.trim();
    try {
      await api("POST", `/callbacks/${encodeURIComponent(form.dataset.id)}/done`, { note });
    } catch (error) {
      fail(error);
    }
    confirm.disabled = state.ended;
    loadQueue();
  });

  el.presence.addEventListener("change", async () => {
    const wanted = el.presence.value;
    const before = el.presence.dataset.status || (wanted === "online" ? "away" : "online");
    clearError();
    el.presence.dataset.busy = "1";
    el.presence.disabled = true;
    try {
      const answer = await api("POST", "/presence", { status: wanted });
      const now = answer && (answer.presence === "online" || answer.presence === "away") ? answer.presence : wanted;
      el.presence.value = now;
      el.presence.dataset.status = now;
    } catch (error) {
      el.presence.value = before;
      fail(error);
    } finally {
      el.presence.dataset.busy = "";
      el.presence.disabled = state.ended;
    }
    loadQueue();
  });

  el.composer.addEventListener("submit", (event) => {
    event.preventDefault();
    sendReply();
  });

  el.reply.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      sendReply();
    }
  });

  el.file.addEventListener("change", sendFile);

  el.transcript.addEventListener("scroll", () => { state.stick = atBottom(); }, { passive: true });

  el.cannedQ.addEventListener("input", () => {
    clearTimeout(cannedTimer);
    cannedTimer = setTimeout(loadCanned, 250);
  });
  el.cannedQ.addEventListener("keydown", (event) => {
    if (event.key === "Enter") {
      event.preventDefault();
      clearTimeout(cannedTimer);
      loadCanned();
    }
  });

  el.transferForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const note = el.transferNote.value.trim();
    if (!note) {
      showError("Vui lòng ghi chú cho người nhận trước khi chuyển.");
      el.transferNote.focus();
      return;
    }
    act("/transfer", { team: el.transferTeam.value, note }, (h) => {
      el.transferNote.value = "";
      applyHandoff(h);
    });
  });

  el.closeForm.addEventListener("submit", (event) => {
    event.preventDefault();
    act("/close", { outcome: el.outcome.value }, applyHandoff);
  });

  el.returnBot.addEventListener("click", () => {
    act("/return", undefined, applyHandoff);
  });

  // Supervisors and admins: personal data in full for this conversation (the gateway audits each read).
  if (el.reveal) {
    el.reveal.addEventListener("click", () => {
      if (!state.openId || state.ended) return;
      state.reveal = !state.reveal;
      loadHandoff(state.openId);
    });
  }

  // ---- start --------------------------------------------------------------------------------------
  // Default transfer target: the hotline (the usual escalation for a volunteer).
  el.transferTeam.value = "hotline";
  updateControls();
  loadQueue();
  connect();
  pollTimer = setInterval(loadQueue, POLL_MS);
  setInterval(tickWaiting, 1000);
})();

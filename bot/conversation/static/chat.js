// Web chat: sends messages to the gateway's REST chat and renders replies with their buttons.
// Text is always inserted with textContent, never as HTML, so markup a citizen types stays text.
//
// On a phone: the view follows the newest message once everything in it (buttons, images) is
// laid out; only the newest reply's buttons can be tapped; links open as buttons; a reload shows
// the recent conversation again (the server keeps it, for this browser only); a message that could
// not be sent stays, with the reason and a "Gửi lại" button, and its text is kept in the box.
(() => {
  "use strict";
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("input");
  const sendButton = document.getElementById("send");
  const fileInput = document.getElementById("file");

  const senderKey = "tro-ly-ao-sender";
  const updatesKey = "tro-ly-ao-updates-after";
  let sender = localStorage.getItem(senderKey);
  let updatesAfter = Number(localStorage.getItem(updatesKey) || 0);
  let maxUploadBytes = 10 * 1024 * 1024;
  let busy = false;
  const ANSWER_TIMEOUT_MS = 30000;   // the gateway answers within Rasa's timeout (10 s) even when Rasa is down

  // ---- text and links -----------------------------------------------------------------------
  const linkPattern = /https?:\/\/[^\s<>"']+/g;

  function cleanUrl(raw) {
    return raw.replace(/[.,;:!?)\]]+$/, "");   // a sentence's full stop is not part of the link
  }

  function safeUrl(value) {
    if (typeof value !== "string") return null;
    try {
      const url = new URL(value.trim());
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  function shortUrl(href) {
    const url = new URL(href);
    const rest = url.pathname.length > 1 || url.search ? "/…" : "";
    return url.host.replace(/^www\./, "") + rest;
  }

  function linkTitle(href, context) {
    // A link offered in a sentence about paying is the pay button: say so, with the amount.
    if (/thanh toán/i.test(context)) {
      const amount = context.match(/thanh toán\s+([\d.]+\s*(?:đồng|đ|VND))/i);
      return amount ? "Thanh toán " + amount[1] : "Mở trang thanh toán";
    }
    return "Mở " + new URL(href).host.replace(/^www\./, "");
  }

  function linkButton(href, title) {
    const a = document.createElement("a");
    a.className = "choice choice--link";
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    a.textContent = title;
    return a;
  }

  // Writes ``text`` into ``element``. A link alone on its line becomes a button (returned, to go
  // under the text); a link inside a sentence stays there, shortened.
  function appendText(element, text, linksAsButtons) {
    const standalone = [];
    const lines = text.split("\n");
    const kept = [];
    for (const line of lines) {
      const href = linksAsButtons && safeUrl(cleanUrl(line.trim()));
      if (href && /^https?:\/\/\S+$/.test(line.trim())) standalone.push(href);
      else kept.push(line);
    }
    const body = kept.join("\n").replace(/\n{3,}/g, "\n\n").trim();
    let last = 0;
    for (const match of body.matchAll(linkPattern)) {
      const raw = cleanUrl(match[0]);
      const href = safeUrl(raw);
      if (!href) continue;
      element.append(body.slice(last, match.index));
      const a = document.createElement("a");
      a.href = href;
      a.textContent = shortUrl(href);
      a.title = href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      element.append(a);
      last = match.index + raw.length;
    }
    element.append(body.slice(last));
    return standalone.map((href) => linkButton(href, linkTitle(href, text)));
  }

  // ---- the log ------------------------------------------------------------------------------
  function scrollToEnd() {
    // After layout, so the buttons and images just added count in the height.
    requestAnimationFrame(() => { log.scrollTop = log.scrollHeight; });
  }

  function addBubble(author, text) {
    const item = document.createElement("li");
    item.className = "msg msg--" + author;
    const bubble = document.createElement("div");
    bubble.className = "msg__text";
    const links = appendText(bubble, text, author === "bot");
    item.append(bubble);
    if (links.length) {
      const row = document.createElement("div");
      row.className = "msg__buttons msg__links";
      row.append(...links);
      item.append(row);
    }
    log.append(item);
    scrollToEnd();
    return item;
  }

  // Buttons already answered, or overtaken by a newer reply, are greyed out and cannot be tapped.
  function retireButtons() {
    for (const row of log.querySelectorAll(".msg__choices:not(.is-spent)")) {
      row.classList.add("is-spent");
      for (const b of row.querySelectorAll("button")) b.disabled = true;
    }
  }

  function addButtons(item, buttons) {
    const row = document.createElement("div");
    row.className = "msg__buttons msg__choices";
    const links = item.querySelector(".msg__links");
    for (const button of buttons) {
      const href = safeUrl(button.url) || safeUrl(button.payload);
      if (href) {   // a link offered as a button (a pay link): opens it, sends nothing
        const same = links && [...links.children].find((a) => a.href === href);
        if (same) same.textContent = button.title || same.textContent;   // the text's link, named by the button
        else (links || row).append(linkButton(href, button.title || linkTitle(href, "")));
        continue;
      }
      const b = document.createElement("button");
      b.type = "button";
      b.className = "choice";
      b.textContent = button.title;
      b.addEventListener("click", () => {
        if (busy || row.classList.contains("is-spent")) return;
        b.classList.add("choice--chosen");
        b.setAttribute("aria-pressed", "true");
        retireButtons();
        send(button.payload, button.title);
      });
      row.append(b);
    }
    if (row.children.length) item.append(row);
  }

  function addReply(reply) {
    const item = addBubble("bot", reply.text ?? "");
    if (!reply.text) item.querySelector(".msg__text").remove();
    if (reply.image) {
      const img = document.createElement("img");
      img.alt = "";
      img.addEventListener("load", scrollToEnd);   // an image grows the log once it has arrived
      img.src = reply.image;
      item.append(img);
    }
    if (reply.buttons && reply.buttons.length) addButtons(item, reply.buttons);
    return item;
  }

  // ``answer``: the reply to the citizen's own message. A newer answer, or any message with choices,
  // makes the earlier choices spent; a notice without buttons leaves the current question's ones.
  function showReplies(replies, answer) {
    if (answer || replies.some((r) => r.buttons && r.buttons.length)) retireButtons();
    for (const reply of replies) addReply(reply);
    scrollToEnd();
  }

  // ---- what went wrong, in words ------------------------------------------------------------
  function waitSeconds(response) {
    const value = response.headers.get("Retry-After");
    if (!value) return null;
    const seconds = /^\d+$/.test(value.trim()) ? Number(value) : Math.ceil((Date.parse(value) - Date.now()) / 1000);
    return Number.isFinite(seconds) && seconds > 0 ? seconds : null;
  }

  function failureText(response, upload) {
    if (response === "timeout") {
      return "Hệ thống chưa trả lời kịp (mạng chậm hoặc đang bận). Anh/Chị bấm “Gửi lại” nhé.";
    }
    if (!response) {
      return "Không gửi được vì mất kết nối mạng. Anh/Chị kiểm tra mạng rồi bấm “Gửi lại” nhé.";
    }
    const wait = waitSeconds(response);
    if (response.status === 429) {
      return "Anh/Chị gửi nhanh quá, vui lòng chờ " + (wait ?? "ít") + " giây rồi gửi lại.";
    }
    if (response.status === 413) {
      return upload
        ? "Tệp lớn quá " + Math.floor(maxUploadBytes / 1048576) + " MB. Anh/Chị chụp lại ảnh nhỏ hơn hoặc gửi tệp khác nhé."
        : "Tin nhắn dài quá. Anh/Chị rút gọn rồi gửi lại nhé.";
    }
    if (response.status >= 500) {
      return "Hệ thống đang bận, Anh/Chị vui lòng gửi lại sau " + (wait ?? "ít") + " giây.";
    }
    return "Tin nhắn chưa gửi được (mã lỗi " + response.status + "). Anh/Chị thử lại hoặc gõ “gặp nhân viên”.";
  }

  // The failed message stays in the log, marked, with the reason and a "Gửi lại" button.
  let failed = null;   // {text, messageId, item} of the typed message last refused

  function showFailure(userItem, text, retry, response) {
    userItem.classList.add("msg--failed");
    const note = document.createElement("div");
    note.className = "msg__error";
    note.setAttribute("role", "alert");
    note.textContent = failureText(response, false);
    const again = document.createElement("button");
    again.type = "button";
    again.className = "choice choice--retry";
    again.textContent = "Gửi lại";
    const wait = response && response !== "timeout" && (response.status === 429 || response.status >= 500)
      ? waitSeconds(response) : null;
    if (wait) {   // a resend before the wait ends would be refused again
      again.disabled = true;
      setTimeout(() => { again.disabled = false; }, wait * 1000);
    }
    again.addEventListener("click", () => {
      if (busy) return;
      userItem.remove();
      if (failed && failed.item === userItem) failed = null;
      retry();
    });
    note.append(" ", again);
    userItem.append(note);
    scrollToEnd();
  }

  // ---- sending ------------------------------------------------------------------------------
  async function send(message, shownAs, messageId = crypto.randomUUID()) {
    const userItem = shownAs !== null ? addBubble("user", shownAs ?? message) : null;
    const typing = addBubble("bot", "…");
    typing.classList.add("msg--typing");
    busy = true;
    sendButton.disabled = true;
    let response = null;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), ANSWER_TIMEOUT_MS);   // never "…" forever on a bad network
    try {
      response = await fetch("/webhooks/rest/webhook", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender, message, message_id: messageId }),
        signal: abort.signal,
      });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const replies = await response.json();
      typing.remove();
      showReplies(replies, true);
      return true;
    } catch (error) {
      typing.remove();
      if (abort.signal.aborted) response = "timeout";
      else if (response && response.ok) response = null;   // the answer was cut off on the way
      const retry = () => {   // the same id: the server answers it once, even if it did arrive
        if (input.value.trim() === message) input.value = "";
        send(message, shownAs, messageId);
      };
      if (userItem) {
        showFailure(userItem, message, retry, response);
        if (shownAs === undefined) {   // typed: keep the text in the box, ready to send again
          failed = { text: message, messageId, item: userItem };
          if (!input.value.trim()) input.value = message;
        }
      } else {
        const item = addBubble("bot", failureText(response, false));
        item.classList.add("msg--error");
      }
      return false;
    } finally {
      clearTimeout(timer);
      busy = false;
      sendButton.disabled = false;
      // After typing, the box stays ready; after a tap, no keyboard pops up over the answer.
      if (shownAs === undefined) input.focus({ preventScroll: true });
    }
  }

  fileInput.addEventListener("change", async () => {
    const file = fileInput.files[0];
    fileInput.value = "";
    if (!file) return;
    const item = addBubble("user", "📎 " + file.name);
    if (file.size > maxUploadBytes) {   // say it at once instead of uploading 20 MB over 4G
      showFileFailure(item, { status: 413, headers: new Headers() });
      return;
    }
    const body = new FormData();
    body.append("sender", sender);
    body.append("file", file);
    let response = null;
    try {
      response = await fetch("/api/chat/upload", { method: "POST", body });
      if (!response.ok) throw new Error("HTTP " + response.status);
      showReplies(await response.json(), true);
    } catch (error) {
      showFileFailure(item, response && !response.ok ? response : null);
    }
  });

  function showFileFailure(item, response) {
    item.classList.add("msg--failed");
    const note = document.createElement("div");
    note.className = "msg__error";
    note.setAttribute("role", "alert");
    note.textContent = response && response.status === 413
      ? failureText(response, true)
      : failureText(response, true).replace("“Gửi lại”", "📎 để gửi lại tệp");
    item.append(note);
    scrollToEnd();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text || busy) return;
    input.value = "";
    let messageId;
    if (failed && failed.text === text) {   // the refused message, sent again: one bubble, one id
      messageId = failed.messageId;
      failed.item.remove();
      failed = null;
    }
    send(text, undefined, messageId);
  });

  // ---- messages nobody asked for at that moment (a dossier notice, a person's reply) ----------
  async function pollUpdates() {
    try {
      const params = new URLSearchParams({ after: String(updatesAfter) });
      const response = await fetch("/api/chat/updates?" + params, { headers: { "X-Chat-Sender": sender } });
      if (response.ok) {
        const body = await response.json();
        for (const update of body.updates) {
          showReplies(update.messages, false);
          updatesAfter = Math.max(updatesAfter, update.id);
        }
        localStorage.setItem(updatesKey, String(updatesAfter));
      }
    } catch (error) {
      // offline for a moment: try again at the next tick
    }
  }

  // ---- start: this browser's sender, then its recent conversation, else a greeting -------------
  async function startSession() {
    try {
      const response = await fetch("/api/chat/session", {
        method: "POST", credentials: "same-origin",
        headers: sender ? { "X-Chat-Sender": sender } : {},
      });
      if (!response.ok) throw new Error("HTTP " + response.status);
      const session = await response.json();
      if (session.sender !== sender) {
        updatesAfter = 0;
        localStorage.setItem(updatesKey, "0");
      }
      sender = session.sender;
      maxUploadBytes = session.max_upload_bytes || maxUploadBytes;
      localStorage.setItem(senderKey, sender);
      return session.history;
    } catch (error) {   // the gateway unreachable: chat anyway, without history
      if (!sender) {
        sender = "web-" + crypto.randomUUID();
        localStorage.setItem(senderKey, sender);
      }
      return false;
    }
  }

  // In the history, the button the citizen tapped is the one titled as their next message.
  function markChosen(text) {
    const rows = log.querySelectorAll(".msg__choices:not(.is-spent)");
    const row = rows[rows.length - 1];
    const chosen = row && [...row.querySelectorAll("button")].find((b) => b.textContent === text);
    if (chosen) {
      chosen.classList.add("choice--chosen");
      chosen.setAttribute("aria-pressed", "true");
    }
  }

  async function showHistory() {
    try {
      const response = await fetch("/api/chat/history", { credentials: "same-origin" });
      if (!response.ok) return 0;
      const history = await response.json();
      let batch = [];
      const flush = () => { if (batch.length) showReplies(batch, true); batch = []; };
      for (const message of history.messages) {
        if (message.author === "citizen") {
          flush();
          markChosen(message.text);
          retireButtons();
          addBubble("user", message.text);
        } else {
          batch.push(message);
        }
      }
      flush();
      if (log.lastElementChild && log.lastElementChild.classList.contains("msg--user")) retireButtons();
      updatesAfter = Math.max(updatesAfter, history.updates_after || 0);
      localStorage.setItem(updatesKey, String(updatesAfter));
      return history.messages.length;
    } catch (error) {
      return 0;
    }
  }

  (async () => {
    const hasHistory = await startSession();
    const shown = hasHistory ? await showHistory() : 0;
    if (!shown) send("/greet", null);  // the assistant opens the conversation
    setInterval(pollUpdates, 3000);
  })();
})();

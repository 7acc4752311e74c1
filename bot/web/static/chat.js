// Web chat: sends messages to the gateway's REST chat and renders replies with their buttons.
// Text is always inserted with textContent, never as HTML, so markup a citizen types stays text.
(() => {
  "use strict";
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("input");
  const sendButton = document.getElementById("send");

  const senderKey = "tro-ly-ao-sender";
  let sender = localStorage.getItem(senderKey);
  if (!sender) {
    sender = "web-" + crypto.randomUUID();
    localStorage.setItem(senderKey, sender);
  }

  const linkPattern = /(https?:\/\/[^\s)]+)/g;

  function appendText(element, text) {
    // Turn bare links into anchors without ever parsing the text as HTML.
    let last = 0;
    for (const match of text.matchAll(linkPattern)) {
      element.append(text.slice(last, match.index));
      const a = document.createElement("a");
      a.href = match[0];
      a.textContent = match[0];
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      element.append(a);
      last = match.index + match[0].length;
    }
    element.append(text.slice(last));
  }

  function addBubble(author, text) {
    const item = document.createElement("li");
    item.className = "msg msg--" + author;
    const bubble = document.createElement("div");
    bubble.className = "msg__text";
    appendText(bubble, text);
    item.append(bubble);
    log.append(item);
    item.scrollIntoView({ block: "end" });
    return item;
  }

  function addButtons(item, buttons) {
    const row = document.createElement("div");
    row.className = "msg__buttons";
    for (const button of buttons) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "choice";
      b.textContent = button.title;
      b.addEventListener("click", () => send(button.payload, button.title));
      row.append(b);
    }
    item.append(row);
  }

  function showReplies(replies) {
    for (const reply of replies) {
      const item = addBubble("bot", reply.text ?? "");
      if (reply.image) {
        const img = document.createElement("img");
        img.src = reply.image;
        img.alt = "";
        item.append(img);
      }
      if (reply.buttons && reply.buttons.length) addButtons(item, reply.buttons);
    }
  }

  // Messages nobody asked for at that moment (a dossier notice, a person's reply) are fetched.
  const updatesKey = "tro-ly-ao-updates-after";
  let updatesAfter = Number(localStorage.getItem(updatesKey) || 0);
  async function pollUpdates() {
    try {
      const params = new URLSearchParams({ sender, after: String(updatesAfter) });
      const response = await fetch("/api/chat/updates?" + params);
      if (response.ok) {
        const body = await response.json();
        for (const update of body.updates) {
          showReplies(update.messages);
          updatesAfter = Math.max(updatesAfter, update.id);
        }
        localStorage.setItem(updatesKey, String(updatesAfter));
      }
    } catch (error) {
      // offline for a moment: try again at the next tick
    }
  }
  setInterval(pollUpdates, 3000);

  async function send(message, shownAs) {
    if (shownAs !== null) addBubble("user", shownAs ?? message);
    const typing = addBubble("bot", "…");
    typing.classList.add("msg--typing");
    sendButton.disabled = true;
    try {
      const response = await fetch("/webhooks/rest/webhook", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ sender, message, message_id: crypto.randomUUID() }),
      });
      typing.remove();
      if (!response.ok) throw new Error("HTTP " + response.status);
      showReplies(await response.json());
    } catch (error) {
      typing.remove();
      addBubble("bot", "Xin lỗi Anh/Chị, không gửi được tin nhắn. Anh/Chị kiểm tra mạng và thử lại nhé.");
    } finally {
      sendButton.disabled = false;
      input.focus();
    }
  }

  const fileInput = document.getElementById("file");
  fileInput.addEventListener("change", async () => {
    const file = fileInput.files[0];
    fileInput.value = "";
    if (!file) return;
    addBubble("user", "📎 " + file.name);
    const body = new FormData();
    body.append("sender", sender);
    body.append("file", file);
    try {
      const response = await fetch("/api/chat/upload", { method: "POST", body });
      if (!response.ok) throw new Error("HTTP " + response.status);
      showReplies(await response.json());
    } catch (error) {
      addBubble("bot", "Xin lỗi Anh/Chị, chưa gửi được tệp. Anh/Chị thử lại giúp em nhé.");
    }
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send(text);
  });

  send("/greet", null);  // the assistant opens the conversation
})();

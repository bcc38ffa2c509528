/* Live notifications: the bell's count and short toasts, over ws/notifications/.
 * A socket that drops reconnects with backoff and resumes from its cursor, so nothing is lost, even what
 * committed out of id order; ids already shown are dropped. window.Tongxin.connect is shared with the board page. */
(function () {
  "use strict";

  function connect(path, handlers) {
    var delay = 1000;
    var socket = null;
    var stopped = false;
    function open() {
      var scheme = location.protocol === "https:" ? "wss://" : "ws://";
      socket = new WebSocket(scheme + location.host + path);
      socket.onopen = function () {
        delay = 1000;
        if (handlers.open) handlers.open(socket);
      };
      socket.onmessage = function (event) {
        var message;
        try { message = JSON.parse(event.data); } catch (e) { return; }
        if (handlers.message) handlers.message(message, socket);
      };
      socket.onclose = function (event) {
        if (handlers.close) handlers.close(event);
        // 4401/4403: not signed in or not allowed — retrying will not help.
        if (stopped || event.code === 4401 || event.code === 4403) return;
        setTimeout(open, delay + Math.random() * 500);
        delay = Math.min(delay * 2, 30000);
      };
    }
    open();
    return { stop: function () { stopped = true; if (socket) socket.close(); } };
  }

  window.Tongxin = { connect: connect };

  var bell = document.getElementById("bell-count");
  var toasts = document.getElementById("toasts");
  if (!bell) return;
  // The cursor of this person's stream, kept across pages: the last id seen, the last horizon the server gave
  // and the ids seen lately (a resume sends what committed late, whatever its id; these are not sent
  // twice). See notifications/consumers.py.
  var key = "tongxin.notifications." + (document.body.dataset.user || "");
  var SEEN_MAX = 1000;
  var quiet = [];  // the event types this person chose not to see as toasts (the socket's hello says which)

  function cursor() {
    try {
      var stored = JSON.parse(localStorage.getItem(key) || "null");
      if (stored && typeof stored.after === "number") return stored;
    } catch (e) { /* a cursor from an older page: start again */ }
    return null;
  }
  function keep(state) {
    if (state.seen.length > SEEN_MAX) state.seen = state.seen.slice(-SEEN_MAX);
    localStorage.setItem(key, JSON.stringify(state));
  }

  function setCount(n) {
    bell.textContent = n;
    bell.hidden = !n;
  }

  function toast(notification) {
    if (!toasts) return;
    var item = document.createElement("a");
    item.className = "toast";
    item.href = notification.url || "#";
    item.textContent = notification.text;
    toasts.appendChild(item);
    setTimeout(function () { item.remove(); }, 8000);
  }

  connect("/ws/notifications/", {
    message: function (message, socket) {
      var state = cursor();
      if (message.type === "hello") {
        setCount(message.unread);
        quiet = message.quiet || [];
        if (state) {
          socket.send(JSON.stringify({ type: "resume", after: state.after, horizon: state.horizon, seen: state.seen }));
        } else {
          keep({ after: message.after, horizon: message.horizon, seen: message.seen });
        }
      } else if (message.type === "unread") {
        setCount(message.unread);
      } else if (message.type === "resumed" || message.type === "horizon") {
        // The ids seen stay: one seen live may have committed after this horizon's oldest running transaction.
        if (state) keep({ after: state.after, horizon: message.horizon, seen: state.seen });
      } else if (message.type === "notification") {
        var n = message.notification;
        state = state || { after: 0, horizon: 0, seen: [] };
        if (state.seen.indexOf(n.id) !== -1) return;
        state.seen.push(n.id);
        state.after = Math.max(state.after, n.id);
        keep(state);
        if (!n.read) {
          setCount((parseInt(bell.textContent, 10) || 0) + 1);
          if (quiet.indexOf(n.type) === -1) toast(n);
        }
      }
    }
  });
})();

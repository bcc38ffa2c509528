/* Live notifications: the bell's count and short toasts, over ws/notifications/.
 * A socket that drops reconnects with backoff and resumes after the last id it saw, so nothing is lost;
 * ids already shown are dropped. window.Tongxin.connect is shared with the board page. */
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
  var key = "tongxin.lastNotification." + (document.body.dataset.user || "");
  var seen = {};

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
    open: function (socket) {
      var last = parseInt(localStorage.getItem(key) || "0", 10);
      if (last) socket.send(JSON.stringify({ type: "resume", after: last }));
    },
    message: function (message) {
      if (message.type === "hello" || message.type === "unread") {
        setCount(message.unread);
      } else if (message.type === "notification") {
        var n = message.notification;
        if (seen[n.id]) return;
        seen[n.id] = true;
        var last = parseInt(localStorage.getItem(key) || "0", 10);
        if (n.id > last) {
          localStorage.setItem(key, String(n.id));
          if (!n.read) {
            setCount((parseInt(bell.textContent, 10) || 0) + 1);
            toast(n);
          }
        }
      }
    }
  });
})();

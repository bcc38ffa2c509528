/* The supervisor's live board over ws/board/: a snapshot on every (re)connect, then events that update the
 * newest list at once. The counts come with the fresh snapshot the server pushes a moment after events, one for
 * all the boards of a unit: this page never asks for one (hundreds of open boards asking was a query storm). */
(function () {
  "use strict";
  var root = document.getElementById("board");
  if (!root || !window.Tongxin) return;

  function pairs(text) {
    var map = {};
    text.split("|").forEach(function (item) {
      var at = item.indexOf("=");
      if (at > 0) map[item.slice(0, at)] = item.slice(at + 1);
    });
    return map;
  }
  var stateLabels = pairs(root.dataset.states);
  var kindLabels = pairs(root.dataset.kinds);
  var openStates = root.dataset.openStates.split("|");
  // On a phone each section folds: the first stays open, the others open on a tap (one screen per section).
  if (window.matchMedia("(max-width: 640px)").matches) {
    root.querySelectorAll("details.section").forEach(function (section, index) {
      if (index > 0) section.open = false;
    });
  }
  var caseUrl = root.dataset.caseUrl;
  var status = document.getElementById("board-status");
  var lastSeq = 0;  // the highest seq seen, to resume after on reconnect
  var horizon = 0;  // the server's horizon: a resume also sends what committed after it, whatever its seq
  var seen = {};    // seqs already applied: a transaction that committed late can carry a lower seq
  var recent = [];  // the latest of those, sent with a resume so they do not come twice
  var newest = [];

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function caseItem(c) {
    var li = el("li", undefined, "board-case priority-" + c.priority);
    li.dataset.reference = c.reference;
    var link = el("a", c.reference);
    link.href = caseUrl.replace("TX-0000-000000", c.reference);
    li.appendChild(link);
    li.appendChild(el("span", " " + (kindLabels[c.kind] || c.kind) + " "));
    li.appendChild(el("span", stateLabels[c.state] || c.state, "state state-" + c.state));
    if (c.due_at) li.appendChild(el("time", " " + c.due_at.slice(0, 16).replace("T", " ")));
    return li;
  }

  function fill(id, items) {
    var list = document.getElementById(id);
    list.replaceChildren.apply(list, items);
  }

  function render(snapshot) {
    document.getElementById("board-open").textContent = snapshot.open;
    // Open states only, in workflow order (data-open-states); a closed or side-exit state is no open case.
    fill("board-states", openStates.filter(function (state) { return snapshot.by_state[state]; }).map(function (state) {
      var tr = el("tr");
      tr.appendChild(el("td", stateLabels[state] || state));
      tr.appendChild(el("td", String(snapshot.by_state[state])));
      return tr;
    }));
    fill("board-children", snapshot.children.map(function (child) {
      var tr = el("tr");
      tr.appendChild(el("td", child.name));
      tr.appendChild(el("td", String(child.open)));
      return tr;
    }));
    renderOrders(snapshot);
    if (snapshot.lights) renderLights(snapshot.lights);
    newest = snapshot.newest;
    fill("board-newest", newest.map(caseItem));
    fill("board-overdue", snapshot.overdue.map(caseItem));
    document.getElementById("board-overdue-none").hidden = snapshot.overdue.length > 0;
  }

  // Supervision orders (督办单): open and overdue, in all and per child unit.
  function renderOrders(snapshot) {
    if (!snapshot.orders) return;
    document.getElementById("board-orders-open").textContent = snapshot.orders.open;
    document.getElementById("board-orders-overdue").textContent = snapshot.orders.overdue;
    fill("board-orders", snapshot.children.map(function (child) {
      var tr = el("tr");
      tr.appendChild(el("td", child.name));
      tr.appendChild(el("td", String(child.orders.open)));
      tr.appendChild(el("td", String(child.orders.overdue), child.orders.overdue ? "late" : undefined));
      return tr;
    }));
  }

  /* Overdue (red) and due soon (yellow) open cases, in all and per child unit: they change with time too, and
   * the server pushes a fresh snapshot when a step turns yellow or red. */
  function renderLights(lights) {
    document.getElementById("board-red").textContent = lights.red;
    document.getElementById("board-yellow").textContent = lights.yellow;
    fill("board-lights-children", lights.children.map(function (child) {
      var tr = el("tr");
      tr.appendChild(el("td", child.name));
      tr.appendChild(el("td", String(child.red), child.red ? "count-red" : undefined));
      tr.appendChild(el("td", String(child.yellow), child.yellow ? "count-yellow" : undefined));
      return tr;
    }));
  }

  function onEvent(event) {
    if (seen[event.seq]) return;
    seen[event.seq] = true;
    recent = recent.concat([event.seq]).slice(-500);
    lastSeq = Math.max(lastSeq, event.seq);
    newest = [event.case].concat(newest.filter(function (c) { return c.reference !== event.case.reference; }))
      .slice(0, 10);
    fill("board-newest", newest.map(caseItem));
    var first = document.querySelector("#board-newest li");
    if (first) first.classList.add("flash");
  }

  function setStatus(live) {
    status.textContent = live ? status.dataset.live : status.dataset.offline;
    status.className = "status " + (live ? "live" : "offline");
  }

  window.Tongxin.connect("/ws/board/", {
    open: function (socket) {
      setStatus(true);
      if (lastSeq) socket.send(JSON.stringify({ type: "resume", after: lastSeq, horizon: horizon, seen: recent }));
    },
    message: function (message) {
      if (message.type === "snapshot") {
        render(message);
        lastSeq = Math.max(lastSeq, message.seq);
        if (message.horizon !== undefined && !horizon) {
          horizon = message.horizon;
          recent = message.seen;
        }
      } else if (message.type === "resumed") {
        horizon = message.horizon;
      } else if (message.type === "event") {
        onEvent(message);
      }
    },
    close: function () { setStatus(false); }
  });
})();

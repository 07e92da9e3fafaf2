/* The waiting-room TV: live board, flashing call, chime and spoken call, receipts.
 *
 * Everything shown comes from the display feed (docs/protocol.md), which carries masked names
 * only. Calls are announced one at a time, never overlapping, and each announcement is
 * acknowledged so the desk knows the call was heard in the room.
 */
(function () {
  "use strict";

  var CQ = window.ClinicQueue;
  var esc = CQ.escapeHtml;
  var query = new URLSearchParams(window.location.search);
  var languages = (query.get("lang") || "zh-CN,en").split(",")
    .map(function (lang) { return lang.trim(); })
    .filter(function (lang) { return lang.length > 0; });
  // A registered screen's key (docs/screens.md): only its receipts count at the desks. A page
  // without one shows the same, and has nothing to acknowledge.
  var registered = query.has("key");
  var NEXT_PER_DESK = 3;
  // Let a burst of caught-up messages land before choosing which calls are still worth saying.
  var SETTLE_MS = 150;
  // No voice installed: the engine may never start an utterance; do not wait for it forever.
  var START_TIMEOUT_MS = 3000;
  var CHARS_PER_SECOND = 3;

  var board = { desks: [], queues: [] };
  var pending = [];
  var announcing = false;
  // Calls arrive in log order, so the highest seq taken is enough to never say one twice.
  var newestCallSeq = -1;
  var unsentAcks = [];
  var audio = CQ.newAudioContext();
  var wakeLock = null;

  var el = {
    calling: document.getElementById("calling"),
    ticket: document.getElementById("calling-ticket"),
    name: document.getElementById("calling-name"),
    room: document.getElementById("calling-room"),
    desks: document.getElementById("desks"),
    missed: document.getElementById("missed"),
    hint: document.getElementById("sound-hint"),
    clock: document.getElementById("clock"),
    department: document.getElementById("department")
  };

  function findDesk(deskId) {
    for (var i = 0; i < board.desks.length; i += 1) {
      if (board.desks[i].id === deskId) { return board.desks[i]; }
    }
    return null;
  }

  function renderDesks() {
    var desks = board.desks;
    el.desks.style.setProperty("--rows", String(Math.max(desks.length, 4)));
    el.desks.innerHTML = desks.map(function (desk) {
      var current = desk.current
        ? '<span class="ticket">' + esc(desk.current.ticket) + '</span><span class="name">' +
          esc(desk.current.name) + "</span>"
        : "";
      if (desk.paused) { current = "停诊 <small>Paused</small>"; }
      var next = desk.next.slice(0, NEXT_PER_DESK).map(function (entry) {
        return "<span>" + esc(entry.ticket) + "</span>";
      }).join("");
      var classes = "desk" + (desk.paused ? " paused" : "") +
        (desk.id === board.lastCalledDesk ? " just-called" : "");
      return '<div class="' + classes + '" data-desk="' + esc(desk.id) + '">' +
        '<div class="desk-room">' + esc(desk.room) + ' <span class="room-unit">诊室</span>' +
        "<small>" + esc(desk.name) + "</small></div>" +
        '<div class="desk-current">' + current + "</div>" +
        '<div class="desk-next">' + next + "</div></div>";
    }).join("");
  }

  function renderMissed() {
    var chips = [];
    board.queues.forEach(function (queue) {
      queue.missed.forEach(function (entry) {
        chips.push('<span class="missed-ticket">' + esc(entry.ticket) +
          '<span class="name">' + esc(entry.name) + "</span></span>");
      });
    });
    // Newest at the front: when the list is long it is the oldest that falls off the edge.
    chips.reverse();
    el.missed.innerHTML = chips.length ? chips.join("")
      : '<span class="missed-empty">无 · None</span>';
  }

  function render() {
    renderDesks();
    renderMissed();
  }

  function showCall(call, flashing) {
    el.calling.classList.remove("idle");
    el.calling.classList.toggle("flash", flashing);
    el.ticket.textContent = call.ticket;
    el.name.textContent = call.name || "";
    el.room.innerHTML = "请到 <b>" + esc(call.room) + "</b> 诊室就诊 <small>Please go to room " +
      esc(call.room) + "</small>";
  }

  function applyBoard(next, seq) {
    var newDay = board.day !== undefined && next.day !== board.day;
    var lastCalledDesk = newDay ? null : board.lastCalledDesk;
    board = next;
    board.lastCalledDesk = lastCalledDesk;
    board.seq = seq;
    if (newDay) { showIdle(); }
    render();
  }

  /* A new service day: yesterday's last call leaves the big panel, and is never said again. */
  function showIdle() {
    pending = [];
    el.calling.classList.remove("flash");
    el.calling.classList.add("idle");
    el.ticket.textContent = "—";
    el.name.textContent = "";
    el.room.innerHTML = "请留意叫号 <small>Please wait for your number</small>";
  }

  /* The call is on screen at once; the board message that follows confirms it. */
  function applyCall(call) {
    var desk = findDesk(call.desk);
    if (desk) {
      desk.current = { ticket: call.ticket, name: call.name, recall: call.recall };
      desk.next = desk.next.filter(function (entry) { return entry.ticket !== call.ticket; });
    }
    board.lastCalledDesk = call.desk;
    render();
    if (!announcing && pending.length === 0) { showCall(call, false); }
    enqueue(call);
  }

  function enqueue(call) {
    if (call.seq <= newestCallSeq) { return; }
    newestCallSeq = call.seq;
    pending.push(call);
    setTimeout(pump, SETTLE_MS);
  }

  /* A call whose patient has since been finished, skipped or replaced at the desk is not read out. */
  function stillCurrent(call) {
    var desk = findDesk(call.desk);
    return desk === null || (desk.current !== null && desk.current.ticket === call.ticket);
  }

  async function pump() {
    if (announcing) { return; }
    announcing = true;
    try {
      while (pending.length > 0) {
        var call = pending.shift();
        if (!stillCurrent(call)) { continue; }
        await announce(call);
        acknowledge(call.seq);
      }
    } finally {
      announcing = false;
    }
  }

  async function announce(call) {
    showCall(call, true);
    await chime();
    var repeats = typeof call.repeats === "number" && call.repeats > 0 ? call.repeats : 2;
    for (var round = 0; round < repeats; round += 1) {
      for (var i = 0; i < languages.length; i += 1) {
        var text = textFor(call, languages[i]);
        if (text) { await speak(text, languages[i]); }
      }
    }
    showCall(call, false);
  }

  /* The call's text in a page language: "zh-CN" takes the call's "zh". */
  function textFor(call, lang) {
    return call.text[lang] || call.text[lang.slice(0, 2).toLowerCase()] || "";
  }

  async function chime() {
    if (audio === null) { return; }
    if (audio.state !== "running") {
      try { await Promise.race([audio.resume(), CQ.sleep(300)]); } catch (err) { return; }
    }
    if (audio.state === "running") { await CQ.sleep(CQ.playChime(audio)); }
  }

  function voiceFor(lang) {
    var voices = window.speechSynthesis.getVoices();
    var wanted = lang.toLowerCase().replace("_", "-");
    var prefix = wanted.slice(0, 2);
    var exact = null;
    var close = null;
    voices.forEach(function (voice) {
      var have = voice.lang.toLowerCase().replace("_", "-");
      if (have === wanted && exact === null) { exact = voice; }
      if (have.slice(0, 2) === prefix && close === null) { close = voice; }
    });
    return exact || close;
  }

  /* Resolves when the utterance ends, fails, or clearly never started or overran. */
  function speak(text, lang) {
    return new Promise(function (resolve) {
      if (!("speechSynthesis" in window)) { resolve(); return; }
      var synth = window.speechSynthesis;
      var utterance = new SpeechSynthesisUtterance(text);
      var finished = false;
      var timer = null;
      function finish() {
        if (finished) { return; }
        finished = true;
        clearTimeout(timer);
        resolve();
      }
      function giveUp() {
        if (finished) { return; }
        synth.cancel();
        finish();
      }
      utterance.lang = lang;
      utterance.rate = 0.9;
      var voice = voiceFor(lang);
      if (voice) { utterance.voice = voice; }
      utterance.onend = finish;
      utterance.onerror = finish;
      utterance.onstart = function () {
        clearTimeout(timer);
        timer = setTimeout(giveUp, 2000 + (text.length / CHARS_PER_SECOND) * 1000);
      };
      timer = setTimeout(giveUp, START_TIMEOUT_MS);
      try {
        synth.resume();
        synth.speak(utterance);
      } catch (err) {
        finish();
      }
    });
  }

  function acknowledge(seq) {
    if (!registered) { return; }
    unsentAcks.push(seq);
    flushAcks();
  }

  function flushAcks() {
    while (unsentAcks.length > 0) {
      if (!socket.send({ type: "ack", seq: unsentAcks[0] })) { return; }
      unsentAcks.shift();
    }
  }

  function onMessage(message) {
    switch (message.type) {
      case "snapshot":
        // A fresh start (possibly another database): later calls count from here.
        newestCallSeq = message.seq;
        applyBoard(message.board, message.seq);
        break;
      case "board":
        applyBoard(message.board, message.seq);
        break;
      case "call":
        applyCall(message);
        break;
      default:
        break;
    }
  }

  var indicator = new CQ.ConnectionIndicator(document.getElementById("connection"), {
    connecting: "连接中 · Connecting",
    live: "已连接 · Live",
    offline: "连接中断，正在重连 · Reconnecting"
  });

  var socket = new CQ.LiveSocket({
    path: "/ws/display",
    params: window.location.search,
    onMessage: onMessage,
    onStatus: function (status) {
      indicator.show(status);
      if (status === "live") { flushAcks(); }
    }
  });

  function tick() {
    var now = new Date();
    var hh = String(now.getHours()).padStart(2, "0");
    var mm = String(now.getMinutes()).padStart(2, "0");
    el.clock.textContent = hh + ":" + mm;
  }

  async function keepAwake() {
    if (!("wakeLock" in navigator) || wakeLock !== null) { return; }
    try {
      wakeLock = await navigator.wakeLock.request("screen");
      wakeLock.addEventListener("release", function () { wakeLock = null; });
    } catch (err) {
      wakeLock = null;
    }
  }

  function soundBlocked() {
    return audio !== null && audio.state !== "running";
  }

  /* Browsers may hold audio until someone touches the screen once; say so, quietly. */
  function enableSound() {
    if (audio !== null) { audio.resume(); }
    if ("speechSynthesis" in window) {
      window.speechSynthesis.speak(new SpeechSynthesisUtterance(" "));
    }
    el.hint.hidden = true;
    keepAwake();
  }

  function start() {
    if (query.get("department")) { el.department.textContent = query.get("department") + " "; }
    tick();
    setInterval(tick, 10000);
    document.addEventListener("click", enableSound);
    document.addEventListener("keydown", enableSound);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") { keepAwake(); }
    });
    if (audio !== null) {
      audio.onstatechange = function () { el.hint.hidden = !soundBlocked(); };
    }
    el.hint.hidden = !soundBlocked();
    if ("speechSynthesis" in window) { window.speechSynthesis.getVoices(); }
    keepAwake();
    render();
    socket.start();
  }

  start();
})();

/* The waiting-room TV: live board, flashing call, chime and spoken call, receipts.
 *
 * Everything shown comes from the display feed (docs/protocol.md), which carries masked names
 * only. Calls are announced one at a time, never overlapping (display-voice.js says them), and
 * each announcement is acknowledged with how it was announced, so the desk knows whether the
 * call was heard in the room.
 */
(function () {
  "use strict";

  var CQ = window.ClinicQueue;
  var Board = window.ClinicQueueBoard;
  var esc = CQ.escapeHtml;
  var query = new URLSearchParams(window.location.search);
  var languages = (query.get("lang") || "zh-CN,en").split(",")
    .map(function (lang) { return lang.trim(); })
    .filter(function (lang) { return lang.length > 0; });
  // A registered screen's key (docs/screens.md): only its receipts count at the desks. A page
  // without one shows the same, and has nothing to acknowledge.
  var registered = query.has("key");
  // `view=door` or `view=wall` chooses; otherwise a screen of one or two rooms is a door screen.
  var view = query.get("view");
  // Rows that do not fit at a legible size are shown a page at a time, this long each.
  var PAGE_MS = 8000;
  // Let a burst of caught-up messages land before choosing which calls are still worth saying.
  var SETTLE_MS = 150;

  var board = { desks: [], queues: [] };
  var shownCall = null;
  var page = 0;
  var pages = 1;
  var clock = new window.ClinicQueueStatus.ClinicClock();
  var pending = [];
  var announcing = false;
  // Calls arrive in log order, so the highest seq taken is enough to never say one twice.
  var newestCallSeq = -1;
  var unsentAcks = [];
  var audio = CQ.newAudioContext();
  var voice = new window.ClinicQueueVoice.Voice(audio);
  var wakeLock = null;

  var el = {
    calling: document.getElementById("calling"),
    ticket: document.getElementById("calling-ticket"),
    name: document.getElementById("calling-name"),
    room: document.getElementById("calling-room"),
    desks: document.getElementById("desks"),
    missed: document.getElementById("missed"),
    hint: document.getElementById("sound-hint"),
    voiceWarning: document.getElementById("voice-warning"),
    page: document.getElementById("page"),
    offline: document.getElementById("offline"),
    offlineSince: document.getElementById("offline-since"),
    clock: document.getElementById("clock"),
    department: document.getElementById("department")
  };

  function findDesk(deskId) {
    for (var i = 0; i < board.desks.length; i += 1) {
      if (board.desks[i].id === deskId) { return board.desks[i]; }
    }
    return null;
  }

  function isDoor() {
    if (view === "door" || view === "wall") { return view === "door"; }
    return board.desks.length > 0 && board.desks.length <= 2;
  }

  function render() {
    var door = isDoor();
    document.body.classList.toggle("door", door);
    if (door) {
      Board.drawDoor(el.desks, board);
      pages = 1;
    } else {
      pages = Board.drawRows(el.desks, board, page);
    }
    el.page.hidden = pages < 2;
    el.page.textContent = (page % pages + 1) + " / " + pages;
    Board.drawMissed(el.missed, board);
    if (shownCall === null) { return; }
    if (stillCurrent(shownCall)) {
      flashCard(shownCall.desk, el.calling.classList.contains("flash"));  // cards were redrawn
    } else {
      showIdle();
    }
  }

  function turnPage() {
    if (pages < 2) { return; }
    page = (page + 1) % pages;
    render();
  }

  function showCall(call, flashing) {
    shownCall = call;
    el.calling.classList.remove("idle");
    el.calling.classList.toggle("flash", flashing);
    flashCard(call.desk, flashing);
    el.ticket.textContent = call.ticket;
    el.name.textContent = Board.shownName(call.name);
    el.room.innerHTML = "请到 <b>" + esc(call.room) + "</b> 诊室就诊 <small>Please go to room " +
      esc(call.room) + "</small>";
  }

  function applyBoard(next, seq) {
    var newDay = board.day !== undefined && next.day !== board.day;
    var lastCalledDesk = newDay ? null : board.lastCalledDesk;
    board = next;
    board.lastCalledDesk = lastCalledDesk;
    board.seq = seq;
    if (newDay) {
      // A new service day: yesterday's last call leaves the big panel, and is never said again.
      pending = [];
      showIdle();
    }
    render();
  }

  /* A door screen has no big panel: the room's own card flashes while its call is said. */
  function flashCard(deskId, flashing) {
    var cards = el.desks.querySelectorAll(".door-card");
    for (var i = 0; i < cards.length; i += 1) {
      cards[i].classList.toggle("flash", flashing && cards[i].getAttribute("data-desk") === deskId);
    }
  }

  /* Nobody to call: the panel says so, with no number and no empty line in its place. */
  function showIdle() {
    shownCall = null;
    el.calling.classList.remove("flash");
    el.calling.classList.add("idle");
    flashCard(null, false);
    el.ticket.textContent = "";
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

  /* A call whose patient has since been finished, skipped or replaced at the desk, or whose
   * desk has paused, is neither read out nor left on the panel. */
  function stillCurrent(call) {
    var desk = findDesk(call.desk);
    return desk === null ||
      (!desk.paused && desk.current !== null && desk.current.ticket === call.ticket);
  }

  async function pump() {
    if (announcing) { return; }
    announcing = true;
    try {
      while (pending.length > 0) {
        var call = pending.shift();
        if (!stillCurrent(call)) { continue; }
        acknowledge(call.seq, await announce(call));
      }
    } finally {
      announcing = false;
    }
  }

  async function announce(call) {
    showCall(call, true);
    var repeats = typeof call.repeats === "number" && call.repeats > 0 ? call.repeats : 2;
    var how = await voice.announce(call, languages, repeats, function () {
      return stillCurrent(call);
    });
    el.voiceWarning.hidden = how === "audio" || how === "os_voice";
    if (stillCurrent(call)) { showCall(call, false); } else { showIdle(); }
    return how;
  }

  function acknowledge(seq, how) {
    if (!registered) { return; }
    unsentAcks.push({ type: "ack", seq: seq, how: how });
    flushAcks();
  }

  function flushAcks() {
    while (unsentAcks.length > 0) {
      if (!socket.send(unsentAcks[0])) { return; }
      unsentAcks.shift();
    }
  }

  function onMessage(message) {
    switch (message.type) {
      case "snapshot":
        // A fresh start (possibly another database): later calls count from here.
        newestCallSeq = message.seq;
        clock.setZone(message.timezone, message.utc_offset);
        tick();
        applyBoard(message.board, message.seq);
        break;
      case "board":
        applyBoard(message.board, message.seq);
        break;
      case "call":
        applyCall(message);
        break;
      case "checkin_code":
        checkinCodes.show(message);
        break;
      default:
        break;
    }
  }

  var checkinCodes = new window.ClinicQueueCheckin.CheckinCodes(
    document.getElementById("checkin"), document.getElementById("checkin-codes"));

  var indicator = new CQ.ConnectionIndicator(document.getElementById("connection"), {
    connecting: "连接中 · Connecting",
    live: "已连接 · Live",
    offline: "连接中断，正在重连 · Reconnecting"
  });

  var outage = new window.ClinicQueueStatus.OutageNotice(el.offline, el.offlineSince, clock);

  var socket = new CQ.LiveSocket({
    path: "/ws/display",
    params: window.location.search,
    onMessage: onMessage,
    onStatus: function (status) {
      indicator.show(status);
      if (status === "live") { flushAcks(); }
      outage.show(status === "live");
    }
  });

  function tick() {
    el.clock.textContent = clock.text(new Date());
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
    showIdle();
    tick();
    setInterval(tick, 10000);
    setInterval(turnPage, PAGE_MS);
    window.addEventListener("resize", render);
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

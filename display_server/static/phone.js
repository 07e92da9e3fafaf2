/* One patient's phone page: position, estimate, where to go, alerts and presence.
 *
 * Written for WeChat's built-in browser: ES2017, no modules, no optional chaining. The feed
 * (docs/protocol.md, phone feed) carries only this ticket; every change of position arrives with
 * a reason code, which is turned here into a sentence the patient can understand.
 */
(function () {
  "use strict";

  var CQ = window.ClinicQueue;
  var LANG_KEY = "clinic-queue.lang";
  var ALERT_REPEAT_MS = 5000;

  var TEXT = {
    zh: {
      myNumber: "我的号码", nowServing: "当前叫号", ahead: "前面还有", estimate: "预计等候",
      where: "就诊地点", onMyWay: "我在路上", imHere: "我已到达",
      enableAlerts: "点一下，开启声音和振动提醒", alertsOn: "提醒已开启",
      calledTitle: "轮到您了！", goTo: "请到", notFound: "未找到",
      recall: "第 {n} 次呼叫", people: "{n} 人", peopleAbout: "约 {n} 人",
      far: "离叫号还远：每前进 {n} 位更新一次", minutes: "约 {lo}–{hi} 分钟", soonEta: "约 {hi} 分钟内",
      room: "{room} 诊室", waitingArea: "候诊区", triageDesk: "分诊台", toggle: "EN",
      noEta: { first_visit: "今日首位就诊完成后显示", paused: "医生暂停接诊，暂无估计" },
      soon: "快到您了：前面还有 {n} 人，请回到候诊区", soonNext: "下一位就是您，请回到候诊区",
      presenceSent: { on_my_way: "已告知诊室：您在路上", here: "已告知诊室：您已到达" },
      presenceOffline: "网络中断，请稍后再试",
      presenceRetry: "未能告知诊室，请稍后再点一次",
      status: { connecting: "连接中", live: "实时更新", offline: "连接中断，正在重连" },
      state: {
        registered: "未签到，请到分诊台签到", registered_self: "未签到", waiting: "候诊中", called: "请立即就诊",
        missed: "已过号，请到分诊台", away: "检查中，回来后请告知护士", done: "就诊结束",
        cancelled: "已取消", not_seen: "未就诊：当天排队已结束", no_show: "过号未到：当天排队已结束"
      },
      dayOver: "{day} 的排队已结束，此号码已失效。如需就诊，请到分诊台重新取号。",
      // Someone was placed ahead of me, by the reason they stand where they stand.
      whyAhead: {
        priority: "一位优先患者（老年人、孕妇等）排到了您前面",
        requeued: "一位过号患者重新排在您前面",
        returned: "一位检查回来的患者排在您前面",
        transferred: "一位转诊患者排在您前面",
        appointment: "一位预约患者签到，按预约时间排在您前面",
        other: "有患者排到了您前面"
      },
      // I moved up.
      whyUp: {
        priority: "您已被列为优先患者", called: "前面的患者已被叫号",
        cancel: "前面一位患者已离开队伍", away: "前面一位患者去做检查了",
        transferred: "前面一位患者已转诊", other: "队伍向前移动了"
      },
      // Something happened to my own ticket.
      whyOwn: {
        requeued: "您过号后已重新排队", returned: "您检查回来后已重新排队",
        transferred: "您已被转诊，请留意新的就诊地点", checked_in: "您已签到，正在排队"
      },
      whyDesk: { paused: "医生暂停接诊，请耐心等候", resumed: "医生恢复接诊" }
    },
    en: {
      myNumber: "My number", nowServing: "Now serving", ahead: "Ahead of me", estimate: "Estimated wait",
      where: "Where to go", onMyWay: "I'm on my way", imHere: "I'm here",
      enableAlerts: "Tap once to turn on sound and vibration alerts", alertsOn: "Alerts are on",
      calledTitle: "It's your turn!", goTo: "Please go to", notFound: "Not found",
      recall: "Call {n}", people: "{n}", peopleAbout: "about {n}",
      far: "Still far from your turn: updated every {n} places", minutes: "~{lo}–{hi} min", soonEta: "within {hi} min",
      room: "Room {room}", waitingArea: "Waiting area", triageDesk: "Triage desk", toggle: "中文",
      noEta: {
        first_visit: "Shown once today's first visit has finished",
        paused: "The doctors have paused: no estimate"
      },
      soon: "Almost your turn: {n} ahead. Please come back to the waiting area",
      soonNext: "You are next: please come back to the waiting area",
      presenceSent: { on_my_way: "The desk knows you are on your way", here: "The desk knows you are here" },
      presenceOffline: "Offline, please try again",
      presenceRetry: "The desk was not told: please tap again in a moment",
      status: { connecting: "Connecting", live: "Live", offline: "Reconnecting" },
      state: {
        registered: "Not checked in: please check in at the triage desk", registered_self: "Not checked in",
        waiting: "Waiting",
        called: "Please go in now", missed: "Missed: please see the triage desk",
        away: "Away for tests: tell the nurse when you are back", done: "Visit finished",
        cancelled: "Cancelled", not_seen: "Not seen: the day's queue has closed",
        no_show: "Missed and not back: the day's queue has closed"
      },
      dayOver: "The queue of {day} has closed and this number is no longer in use. " +
        "To be seen, please take a new ticket at the triage desk.",
      whyAhead: {
        priority: "A priority patient (elderly, pregnant…) was placed ahead of you",
        requeued: "A patient who missed the call was put back ahead of you",
        returned: "A patient back from tests was placed ahead of you",
        transferred: "A transferred patient joined ahead of you",
        appointment: "An appointment patient checked in and goes by appointment time",
        other: "Someone was placed ahead of you"
      },
      whyUp: {
        priority: "You were given priority", called: "A patient ahead of you was called",
        cancel: "A patient ahead of you left the line", away: "A patient ahead of you went for tests",
        transferred: "A patient ahead of you was transferred", other: "The line moved forward"
      },
      whyOwn: {
        requeued: "You are back in the line after missing your call",
        returned: "You are back in the line after your tests",
        transferred: "You were transferred: check where to go",
        checked_in: "You are checked in and in the line"
      },
      whyDesk: { paused: "The doctor paused consultations, please wait", resumed: "The doctor is seeing patients again" }
    }
  };

  var view = {
    number: null, state: null, queueName: "", ahead: null, step: 1, now: null, calls: null,
    eta: null, noEta: null, room: null, recall: 0, why: null, soon: false, alertAhead: null, presence: null,
    day: null, closed: false, slot: null, selfCheckin: false
  };
  var lang = initialLanguage();
  var audio = null;
  var lastAlert = {};
  // The presence the server recorded (its echo), which a refused one falls back to.
  var confirmedPresence = null;
  var token = window.location.pathname.split("/").filter(function (part) { return part; }).pop();

  function $(id) { return document.getElementById(id); }

  function initialLanguage() {
    var saved = null;
    try { saved = window.localStorage.getItem(LANG_KEY); } catch (err) { saved = null; }
    if (saved === "zh" || saved === "en") { return saved; }
    return (navigator.language || "zh").toLowerCase().indexOf("en") === 0 ? "en" : "zh";
  }

  function t(key) { return TEXT[lang][key]; }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) { return String(values[name]); });
  }

  function isOpen(state) {
    return state === "waiting" || state === "called" || state === "registered" ||
      state === "missed" || state === "away";
  }

  // Where the patient is to go, by what their state asks of them: a missed patient or one not
  // checked in goes to the triage desk, whatever room last called them.
  var AT_TRIAGE = { registered: true, missed: true };
  var IN_A_ROOM = { called: true, away: true, waiting: true };

  function placeText() {
    if (AT_TRIAGE[view.state]) { return t("triageDesk"); }
    if (!IN_A_ROOM[view.state]) { return "—"; }
    if (view.room) { return fill(t("room"), { room: view.room }); }
    return view.state === "waiting" ? t("waitingArea") : "—";
  }

  /* 当前叫号: while waiting, the number each room serving the queue last called (a queue served
     by several rooms moves in each of them); else, or from an older server, the one number. */
  function renderNowServing(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
    var calls = view.state === "waiting" && view.calls && view.calls.length ? view.calls : null;
    if (calls === null) {
      node.textContent = view.now || "—";
      return;
    }
    calls.forEach(function (call) {
      var line = document.createElement("span");
      line.className = "call";
      var number = document.createElement("b");
      number.textContent = call[1];
      var room = document.createElement("small");
      room.textContent = fill(t("room"), { room: call[0] });
      line.appendChild(number);
      line.appendChild(document.createTextNode(" "));
      line.appendChild(room);
      node.appendChild(line);
    });
  }

  // [low, high] minutes until the call; anything else is no estimate.
  function etaRange(value) {
    var ok = Array.isArray(value) && value.length === 2 &&
      typeof value[0] === "number" && typeof value[1] === "number";
    return ok ? value : null;
  }

  function etaText(waiting) {
    if (!waiting) { return "—"; }
    if (view.eta === null) { return (view.noEta && t("noEta")[view.noEta]) || "—"; }
    var range = { lo: view.eta[0], hi: view.eta[1] };
    return range.lo <= 0 ? fill(t("soonEta"), range) : fill(t("minutes"), range);
  }

  function renderLabels() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    var nodes = document.querySelectorAll("[data-i18n]");
    for (var i = 0; i < nodes.length; i += 1) {
      nodes[i].textContent = t(nodes[i].getAttribute("data-i18n"));
    }
    $("lang-toggle").textContent = t("toggle");
    if (audio !== null) { $("enable-alerts").textContent = t("alertsOn"); }
    indicator.relabel(t("status"));
  }

  function render() {
    var waiting = view.state === "waiting";
    $("number").textContent = view.number || "—";
    $("queue-name").textContent = view.queueName;
    var state = $("state");
    state.setAttribute("data-state", view.state || "");
    var stateKey = view.state === "registered" && view.selfCheckin ? "registered_self" : view.state;
    state.textContent = view.state ? (t("state")[stateKey] || view.state) : "";
    // Far back the place comes rounded up to `step` and without the number being served.
    var far = waiting && view.ahead !== null && view.step > 1;
    renderNowServing($("now"));
    $("now-row").hidden = far;
    $("ahead").textContent = waiting && view.ahead !== null
      ? fill(t(far ? "peopleAbout" : "people"), { n: view.ahead })
      : view.state === "called" ? "0" : "—";
    $("far").hidden = !far;
    $("far").textContent = far ? fill(t("far"), { n: view.step }) : "";
    var eta = $("eta");
    eta.textContent = etaText(waiting);
    eta.classList.toggle("note", waiting && view.eta === null && Boolean(view.noEta));
    $("room").textContent = placeText();
    var why = $("why");
    why.textContent = reasonText();
    why.hidden = !why.textContent;
    // A ticket of a closed day: say so, instead of a queue that is no longer there.
    $("day-over").hidden = !view.closed;
    $("day-over").textContent = view.closed ? fill(t("dayOver"), { day: view.day || "" }) : "";
    $("facts").hidden = view.closed;
    $("actions").hidden = view.closed;

    var called = view.state === "called";
    $("called").hidden = !called;
    $("called-room").textContent = view.room ? fill(t("room"), { room: view.room }) : "";
    $("called-recall").textContent = called && view.recall > 0
      ? fill(t("recall"), { n: view.recall + 1 }) : "";
    var soon = $("soon");
    var soonShown = waiting && view.soon && view.ahead !== null;
    soon.hidden = !soonShown;
    soon.textContent = !soonShown ? "" : view.ahead === 0 ? t("soonNext")
      : fill(t("soon"), { n: view.ahead });

    var open = isOpen(view.state);
    ["on-my-way", "here"].forEach(function (id) {
      var button = $(id);
      button.disabled = !open;
      button.setAttribute("aria-pressed", String(view.presence === button.getAttribute("data-status")));
    });
    checkin.render(view, lang);
    document.title = (view.number ? view.number + " · " : "") + t("myNumber");
  }

  // Codes of the `state` message (the event's type) mapped to the sentences about my own ticket.
  var OWN_STATE_REASONS = { requeued: "requeued", back: "returned", transfer: "transferred",
    checkin: "checked_in" };

  /* Which sentence explains a change: the code says what happened, the direction to whom.
   * Returns [table, code] into the catalogue, or null when nothing needs explaining. */
  function explain(code, previousAhead, ahead) {
    if (code === "paused" || code === "resumed") { return ["whyDesk", code]; }
    if (previousAhead === null || ahead === null || ahead === previousAhead) { return null; }
    if (ahead > previousAhead) {
      var placed = code === "late_appointment" ? "appointment" : code;
      return ["whyAhead", TEXT.en.whyAhead[placed] ? placed : "other"];
    }
    return ["whyUp", TEXT.en.whyUp[code] ? code : "other"];
  }

  function reasonText() {
    if (view.why === null) { return ""; }
    return TEXT[lang][view.why[0]][view.why[1]] || "";
  }

  function onTicket(message) {
    var was = view.state;
    view.number = message.number;
    view.state = message.state;
    view.queueName = message.queue_name || message.queue || "";
    view.ahead = typeof message.ahead === "number" ? message.ahead : null;
    view.step = typeof message.step === "number" ? message.step : 1;
    view.now = message.now || null;
    view.calls = Array.isArray(message.calls) ? message.calls : null;
    view.eta = etaRange(message.eta);
    view.noEta = message.no_eta || null;
    view.room = message.room || null;
    if (typeof message.recall === "number") { view.recall = message.recall; }
    if (typeof message.alert_ahead === "number") { view.alertAhead = message.alert_ahead; }
    view.day = message.day || null;
    view.closed = message.closed === true;
    view.slot = message.slot || null;
    view.selfCheckin = message.self_checkin === true;
    view.soon = view.state === "waiting" && view.ahead !== null && view.alertAhead !== null &&
      view.ahead <= view.alertAhead;
    view.why = null;
    if (view.state === "called" && was !== "called") { alertPatient("called"); }
  }

  function onPosition(message) {
    var previous = view.ahead;
    view.ahead = typeof message.ahead === "number" ? message.ahead : null;
    view.step = typeof message.step === "number" ? message.step : 1;
    if (message.now !== undefined) { view.now = message.now || null; }
    if (message.calls !== undefined) { view.calls = Array.isArray(message.calls) ? message.calls : null; }
    if (message.eta !== undefined) { view.eta = etaRange(message.eta); }
    if (message.no_eta !== undefined) { view.noEta = message.no_eta || null; }
    var reason = explain(message.why, previous, view.ahead);
    if (reason !== null) { view.why = reason; }
    if (view.ahead !== null && view.alertAhead !== null && view.ahead > view.alertAhead) {
      view.soon = false;
    }
  }

  function onCalled(message) {
    view.state = "called";
    view.room = message.room || view.room;
    view.recall = typeof message.recall === "number" ? message.recall : 0;
    view.ahead = 0;
    view.now = view.number;
    view.why = null;
    alertPatient("called");
  }

  function onState(message) {
    var was = view.state;
    view.state = message.state;
    if (message.room !== undefined) { view.room = message.room || null; }
    view.soon = false;
    if (message.why === "closed") { view.closed = true; }
    var own = OWN_STATE_REASONS[message.why];
    view.why = message.state === "waiting" && was !== "waiting" && own ? ["whyOwn", own] : null;
  }

  function onAlert(message) {
    if (message.kind === "soon") {
      view.soon = true;
      alertPatient("soon");
    } else if (message.kind === "called") {
      alertPatient("called");
    }
  }

  function onMessage(message) {
    switch (message.type) {
      case "ticket": onTicket(message); break;
      case "pos": onPosition(message); break;
      case "called": onCalled(message); break;
      case "state": onState(message); break;
      case "alert": onAlert(message); break;
      case "presence": view.presence = confirmedPresence = message.status; break;
      case "checked_in": checkin.onAnswer(message); break;
      case "error": if (!checkin.onAnswer(message)) { onError(message); } break;
      default: return;
    }
    render();
  }

  /* Vibration and a chime; the `called` message and its `alert` arrive together: one alert. */
  function alertPatient(kind) {
    var now = Date.now();
    if (lastAlert[kind] && now - lastAlert[kind] < ALERT_REPEAT_MS) { return; }
    lastAlert[kind] = now;
    if (navigator.vibrate) {
      navigator.vibrate(kind === "called" ? [400, 150, 400, 150, 800] : [300, 150, 300]);
    }
    if (audio !== null && audio.state === "running") {
      CQ.playChime(audio, kind === "called"
        ? [[784, 0], [659.25, 0.35], [523.25, 0.7], [784, 1.2], [659.25, 1.55], [523.25, 1.9]]
        : [[659.25, 0], [523.25, 0.45]]);
    }
  }

  /* Audio on phones needs a tap first; the same tap confirms vibration works. */
  function enableAlerts() {
    if (audio === null) { audio = CQ.newAudioContext(); }
    if (audio !== null) {
      audio.resume().then(function () { CQ.playChime(audio, [[880, 0]]); });
    }
    if (navigator.vibrate) { navigator.vibrate(60); }
    $("enable-alerts").textContent = t("alertsOn");
  }

  /* A presence the server did not record (changed too soon after the last one, or too many
     writes): the buttons go back to what the desk knows, and the patient is told to retry. */
  function onError(message) {
    if (message.code !== "refused" && message.code !== "rate_limited") { return; }
    if (view.presence === confirmedPresence) { return; }
    view.presence = confirmedPresence;
    var note = $("presence-note");
    note.hidden = false;
    note.textContent = t("presenceRetry");
  }

  function sendPresence(event) {
    var status = event.currentTarget.getAttribute("data-status");
    var note = $("presence-note");
    note.hidden = false;
    if (socket.send({ type: "presence", status: status })) {
      view.presence = status;
      note.textContent = t("presenceSent")[status];
    } else {
      note.textContent = t("presenceOffline");
    }
    render();
  }

  function toggleLanguage() {
    lang = lang === "zh" ? "en" : "zh";
    try {
      window.localStorage.setItem(LANG_KEY, lang);
    } catch (err) {
      // Storage refused (private mode): the choice lasts for this page only.
    }
    renderLabels();
    render();
    var note = $("presence-note");
    if (!note.hidden && view.presence) { note.textContent = t("presenceSent")[view.presence]; }
  }

  var indicator = new CQ.ConnectionIndicator($("connection"), TEXT[lang].status);

  var socket = new CQ.LiveSocket({
    path: "/ws/ticket/" + encodeURIComponent(token || ""),
    params: "",
    onMessage: onMessage,
    onStatus: function (status) {
      indicator.show(status);
      if (status === "offline") { checkin.offline(); }
    },
    onFatal: function () {
      $("not-found").hidden = false;
    }
  });

  var checkin = new window.ClinicQueuePhoneCheckIn({
    section: $("checkin"), slot: $("slot"), form: $("checkin-form"), label: $("checkin-label"),
    input: $("checkin-code"), button: $("checkin-send"), note: $("checkin-note")
  }, function (message) { return socket.send(message); });

  $("lang-toggle").addEventListener("click", toggleLanguage);
  $("enable-alerts").addEventListener("click", enableAlerts);
  $("on-my-way").addEventListener("click", sendPresence);
  $("here").addEventListener("click", sendPresence);
  renderLabels();
  render();
  socket.start();
})();

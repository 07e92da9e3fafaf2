/* Check-in from the phone (docs/protocol.md, "Check-in from the phone"): an appointment not yet
 * checked in shows its slot and, where the clinic allows it, a box for the code on the
 * department's screen. The server's refusals come as codes; the sentences are here, in the
 * page's two languages.
 */
(function (global) {
  "use strict";

  var TEXT = {
    zh: {
      slot: "预约时段 {slot}",
      label: "到达后，输入候诊区屏幕上的签到码",
      send: "签到",
      sending: "正在签到…",
      done: "签到成功，您已在排队",
      offline: "网络中断，请稍后再试",
      errors: {
        bad_code: "签到码不对或已过期，请输入屏幕上当前的签到码（还可试 {n} 次）",
        too_many_tries: "签到码错误次数过多，请 {min} 分钟后再试，或到分诊台签到",
        not_registered: "此号码无需签到",
        not_today: "您的预约不是今天，今天不能签到",
        checkin_off: "请到分诊台签到",
        bad_check_in: "请输入屏幕上的 6 位数字签到码",
        other: "未能签到，请到分诊台签到"
      }
    },
    en: {
      slot: "Appointment at {slot}",
      label: "Once here, enter the check-in code shown on the waiting-area screen",
      send: "Check in",
      sending: "Checking in…",
      done: "You are checked in and in the line",
      offline: "Offline, please try again",
      errors: {
        bad_code: "Wrong or expired code: enter the code the screen shows now ({n} tries left)",
        too_many_tries: "Too many wrong codes: try again in {min} min, or check in at the triage desk",
        not_registered: "This ticket needs no check-in",
        not_today: "Your appointment is not today: you cannot check in today",
        checkin_off: "Please check in at the triage desk",
        bad_check_in: "Enter the 6-digit code the screen shows",
        other: "Could not check in: please go to the triage desk"
      }
    }
  };

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, name) { return String(values[name]); });
  }

  /* `nodes`: the section, its slot line, form, input, button and note; `send(message)` returns
   * false when the page is offline. */
  function PhoneCheckIn(nodes, send) {
    this.nodes = nodes;
    this.send = send;
    this.lang = "zh";
    this.pending = false;
    this.answer = null; // the last answer: [key, values], shown in the page's language
    var self = this;
    nodes.form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.submit();
    });
  }

  PhoneCheckIn.prototype.submit = function () {
    var code = this.nodes.input.value;
    if (this.send({ type: "check_in", code: code })) {
      this.pending = true;
      this.answer = ["sending", {}];
    } else {
      this.answer = ["offline", {}];
    }
    this.show();
  };

  /* True when `message` is the answer to a check-in this page sent. */
  PhoneCheckIn.prototype.onAnswer = function (message) {
    if (message.type === "checked_in") {
      this.pending = false;
      this.answer = ["done", {}];
      this.nodes.input.value = "";
      this.show();
      return true;
    }
    if (message.type !== "error" || !this.pending) { return false; }
    var errors = TEXT.en.errors;
    this.pending = false;
    this.answer = [errors[message.code] ? message.code : "other", {
      n: typeof message.tries_left === "number" ? message.tries_left : 0,
      min: Math.max(1, Math.ceil((Number(message.retry_after) || 60) / 60))
    }];
    this.show();
    return true;
  };

  /* The feed dropped: an answer still awaited will not come; the patient may send again. */
  PhoneCheckIn.prototype.offline = function () {
    if (!this.pending) { return; }
    this.pending = false;
    this.answer = ["offline", {}];
    this.show();
  };

  PhoneCheckIn.prototype.render = function (view, lang) {
    this.lang = lang;
    var text = TEXT[lang];
    var registered = view.state === "registered" && !view.closed;
    var nodes = this.nodes;
    nodes.slot.hidden = !(registered && view.slot);
    nodes.slot.textContent = view.slot ? fill(text.slot, { slot: view.slot }) : "";
    nodes.form.hidden = !(registered && view.selfCheckin);
    nodes.label.textContent = text.label;
    nodes.button.textContent = text.send;
    nodes.section.hidden = nodes.slot.hidden && nodes.form.hidden && this.answer === null;
    if (!registered && this.answer !== null && this.answer[0] !== "done") { this.answer = null; }
    this.show();
  };

  PhoneCheckIn.prototype.show = function () {
    var note = this.nodes.note;
    var text = TEXT[this.lang];
    note.hidden = this.answer === null;
    if (this.answer === null) { note.textContent = ""; return; }
    var key = this.answer[0];
    var template = text[key] || text.errors[key];
    note.textContent = fill(template, this.answer[1]);
    note.setAttribute("data-answer", key);
    if (!note.hidden) { this.nodes.section.hidden = false; }
    this.nodes.button.disabled = this.pending;
  };

  global.ClinicQueuePhoneCheckIn = PhoneCheckIn;
})(window);

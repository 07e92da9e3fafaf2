/* The department's check-in code (签到码) on a registered screen (docs/protocol.md,
 * `checkin_code`): appointment patients type it on their phones to check in on site. Only
 * codes and department names are shown, never a patient.
 */
(function (global) {
  "use strict";

  // The server sends the codes again at least every minute; one not renewed in time is
  // stale (the TV lost its feed) and is taken down rather than left to be refused.
  var GRACE_S = 90;

  function CheckinCodes(box, list) {
    this.box = box;
    this.list = list;
    this.timer = null;
  }

  CheckinCodes.prototype.show = function (message) {
    var codes = Array.isArray(message.codes) ? message.codes : [];
    var list = this.list;
    list.textContent = "";
    codes.forEach(function (entry) {
      var item = document.createElement("span");
      item.className = "checkin-item";
      var place = document.createElement("span");
      place.className = "checkin-place";
      place.textContent = String(entry.place);
      var code = document.createElement("b");
      code.className = "checkin-code";
      code.textContent = String(entry.code);
      item.appendChild(place);
      item.appendChild(code);
      list.appendChild(item);
    });
    this.box.hidden = codes.length === 0;
    var box = this.box;
    var wait = typeof message.changes_in === "number" ? message.changes_in : 0;
    global.clearTimeout(this.timer);
    this.timer = global.setTimeout(function () { box.hidden = true; }, (wait + GRACE_S) * 1000);
  };

  global.ClinicQueueCheckin = { CheckinCodes: CheckinCodes };
})(window);

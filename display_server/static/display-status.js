/* What the TV says about itself: the clinic's time, and that it has been cut off.
 *
 * A board that has stopped moving looks exactly like a quiet morning, so an outage longer than
 * a server restart (a second or two) covers the whole screen: nobody should wait for a number
 * from a board that no longer hears the desks.
 */
(function (global) {
  "use strict";

  var STALE_AFTER_MS = 5000;

  function twoDigits(value) {
    return String(value).padStart(2, "0");
  }

  /* HH:MM in the clinic's zone (from the snapshot), whatever the TV's own is set to; nothing
   * until the zone is known rather than a time that may be wrong. */
  function ClinicClock() {
    this.zone = null;
    this.offset = null;
  }

  ClinicClock.prototype.setZone = function (zone, offset) {
    this.zone = typeof zone === "string" ? zone : null;
    this.offset = typeof offset === "number" ? offset : null;
  };

  ClinicClock.prototype.text = function (when) {
    if (this.zone !== null) {
      try {
        return new Intl.DateTimeFormat("en-GB", {
          timeZone: this.zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23"
        }).format(when);
      } catch (err) {
        this.zone = null;  // a browser without time zone data: the offset will do
      }
    }
    if (this.offset === null) { return ""; }
    var shifted = new Date(when.getTime() + this.offset * 60000);
    return twoDigits(shifted.getUTCHours()) + ":" + twoDigits(shifted.getUTCMinutes());
  };

  /* The full-screen notice `element`, shown once the socket has been down STALE_AFTER_MS, with
   * the time the board was last live in `since`. */
  function OutageNotice(element, since, clock) {
    this.element = element;
    this.since = since;
    this.clock = clock;
    this.timer = null;
    this.lastLive = null;
  }

  OutageNotice.prototype.show = function (live) {
    var self = this;
    if (live) {
      this.lastLive = new Date();
      clearTimeout(this.timer);
      this.timer = null;
      this.element.hidden = true;
      global.document.body.classList.remove("stale");
      return;
    }
    if (this.timer !== null || !this.element.hidden) { return; }
    this.timer = setTimeout(function () {
      self.timer = null;
      var at = self.lastLive === null ? "" : self.clock.text(self.lastLive);
      self.since.textContent = at ? "最后更新 " + at + " · Last updated " + at
        : "正在连接… · Connecting…";
      self.element.hidden = false;
      global.document.body.classList.add("stale");
    }, STALE_AFTER_MS);
  };

  global.ClinicQueueStatus = { ClinicClock: ClinicClock, OutageNotice: OutageNotice };
})(window);

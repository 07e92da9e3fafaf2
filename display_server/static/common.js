/* Shared by the TV page and the phone page: a socket that never gives up.
 *
 * Plain ES2017 without modules so it runs in WeChat's browser and on old TV browsers.
 * Reconnects with exponential backoff and jitter (so a restarted server is not hit by every
 * screen at once) and resumes with ?since=<last seq> so nothing is missed or doubled.
 */
(function (global) {
  "use strict";

  // A restart is over in a second or two: the first retries come every 0.5-1 s (jittered, so a
  // restarted server gets its clients spread over half a second, not all at once; a refused
  // connection costs next to nothing). A longer outage then backs off by half per attempt up
  // to 30 s, which spares phone batteries and a struggling server.
  var BACKOFF_QUICK_TRIES = 10;
  var BACKOFF_QUICK_MS = 1000;
  var BACKOFF_GROWTH = 1.5;
  var BACKOFF_MAX_MS = 30000;
  var PING_EVERY_MS = 20000;
  // A socket that has heard nothing (not even a pong) for this long is dead: half-open TCP
  // connections are common on hospital Wi-Fi and would otherwise hang the screen silently.
  var SILENCE_LIMIT_MS = 50000;

  function backoffDelay(attempt) {
    var slower = Math.max(0, attempt - BACKOFF_QUICK_TRIES + 1);
    var ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_QUICK_MS * Math.pow(BACKOFF_GROWTH, slower));
    return Math.round(ceiling / 2 + Math.random() * ceiling / 2);
  }

  function socketUrl(path, params) {
    var scheme = global.location.protocol === "https:" ? "wss:" : "ws:";
    var query = params.toString();
    return scheme + "//" + global.location.host + path + (query ? "?" + query : "");
  }

  /* options: path, params (URLSearchParams, copied), onMessage(msg), onStatus(status),
   * onFatal(reason). status is "connecting", "live" or "offline". */
  function LiveSocket(options) {
    this.path = options.path;
    this.params = new URLSearchParams(options.params || "");
    this.params.delete("since");
    this.onMessage = options.onMessage;
    this.onStatus = options.onStatus || function () {};
    this.onFatal = options.onFatal || function () {};
    this.lastSeq = null;
    this.attempt = 0;
    this.ws = null;
    this.retryTimer = null;
    this.pingTimer = null;
    this.lastHeard = 0;
    this.stopped = false;
    var self = this;
    global.addEventListener("online", function () { self.reconnectNow(); });
    global.document.addEventListener("visibilitychange", function () {
      if (global.document.visibilityState === "visible") { self.reconnectNow(); }
    });
  }

  LiveSocket.prototype.start = function () {
    this.open();
  };

  LiveSocket.prototype.isOpen = function () {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  };

  LiveSocket.prototype.send = function (message) {
    if (!this.isOpen()) { return false; }
    this.ws.send(JSON.stringify(message));
    return true;
  };

  LiveSocket.prototype.open = function () {
    var self = this;
    clearTimeout(this.retryTimer);
    this.retryTimer = null;
    var params = new URLSearchParams(this.params);
    // An empty `since` tells the server not to wait for a `hello`: the snapshot comes at once.
    params.set("since", this.lastSeq === null ? "" : String(this.lastSeq));
    this.onStatus("connecting");
    var ws;
    try {
      ws = new WebSocket(socketUrl(this.path, params));
    } catch (err) {
      this.scheduleRetry();
      return;
    }
    this.ws = ws;
    ws.onopen = function () {
      self.lastHeard = Date.now();
      self.onStatus("live");
      self.startPinging();
    };
    ws.onmessage = function (event) {
      self.lastHeard = Date.now();
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (err) {
        return;
      }
      // A first real message proves the server is healthy again: start backoff afresh.
      self.attempt = 0;
      if (typeof message.seq === "number") { self.lastSeq = message.seq; }
      self.onMessage(message);
    };
    ws.onclose = function (event) {
      if (self.ws !== ws) { return; }
      self.ws = null;
      self.stopPinging();
      if (event.code === 1008 && event.reason === "not found") {
        self.stopped = true;
        self.onStatus("offline");
        self.onFatal(event.reason);
        return;
      }
      self.scheduleRetry();
    };
  };

  LiveSocket.prototype.scheduleRetry = function () {
    if (this.stopped || this.retryTimer !== null) { return; }
    this.onStatus("offline");
    var self = this;
    var delay = backoffDelay(this.attempt);
    this.attempt += 1;
    this.retryTimer = setTimeout(function () { self.retryTimer = null; self.open(); }, delay);
  };

  /* The network came back or the phone woke up: try at once instead of waiting out the backoff. */
  LiveSocket.prototype.reconnectNow = function () {
    if (this.stopped || this.ws !== null) { return; }
    this.attempt = 0;
    this.open();
  };

  LiveSocket.prototype.startPinging = function () {
    var self = this;
    this.stopPinging();
    this.pingTimer = setInterval(function () {
      if (!self.isOpen()) { return; }
      if (Date.now() - self.lastHeard > SILENCE_LIMIT_MS) {
        self.ws.close();
        return;
      }
      self.send({ type: "ping" });
    }, PING_EVERY_MS);
  };

  LiveSocket.prototype.stopPinging = function () {
    clearInterval(this.pingTimer);
    this.pingTimer = null;
  };

  /* Shows the socket's state in an element: a coloured dot plus a short label per language. */
  function ConnectionIndicator(element, labels) {
    this.element = element;
    this.labels = labels;
    this.status = "connecting";
  }

  ConnectionIndicator.prototype.show = function (status) {
    this.status = status;
    this.element.setAttribute("data-status", status);
    this.element.textContent = this.labels[status] || status;
  };

  ConnectionIndicator.prototype.relabel = function (labels) {
    this.labels = labels;
    this.show(this.status);
  };

  function escapeHtml(value) {
    return String(value === null || value === undefined ? "" : value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  /* A short two-tone chime made with WebAudio: no sound file to ship or to fail to load. */
  function playChime(context, notes) {
    var start = context.currentTime + 0.05;
    var tones = notes || [[659.25, 0], [523.25, 0.45]];
    var end = start;
    tones.forEach(function (tone) {
      var oscillator = context.createOscillator();
      var gain = context.createGain();
      var at = start + tone[1];
      oscillator.type = "sine";
      oscillator.frequency.value = tone[0];
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.5, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.9);
      oscillator.connect(gain);
      gain.connect(context.destination);
      oscillator.start(at);
      oscillator.stop(at + 0.95);
      end = Math.max(end, at + 0.95);
    });
    return (end - context.currentTime) * 1000;
  }

  function newAudioContext() {
    var Context = global.AudioContext || global.webkitAudioContext;
    if (!Context) { return null; }
    try {
      return new Context();
    } catch (err) {
      return null;
    }
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  global.ClinicQueue = {
    LiveSocket: LiveSocket,
    ConnectionIndicator: ConnectionIndicator,
    backoffDelay: backoffDelay,
    escapeHtml: escapeHtml,
    playChime: playChime,
    newAudioContext: newAudioContext,
    sleep: sleep
  };
})(window);

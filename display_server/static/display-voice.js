/* How the TV says a call: the server's audio through WebAudio, else the browser's own voice,
 * else the chime alone; and what it tells the desks about it (the `how` of its ack).
 *
 * `plays` and `receipts` keep what was played and said, in order, for the page's own checks.
 */
(function (global) {
  "use strict";

  var CQ = global.ClinicQueue;
  // No voice installed: the engine may never start an utterance; do not wait for it forever.
  var START_TIMEOUT_MS = 3000;
  var CHARS_PER_SECOND = 3;
  var plays = [];
  var receipts = [];

  function Voice(audio) {
    this.audio = audio;
    this.buffers = {};
  }

  /* Whether sound may play now: a context that the browser let run (autoplay). */
  Voice.prototype.unlock = async function () {
    var audio = this.audio;
    if (audio === null) { return false; }
    if (audio.state !== "running") {
      try { await Promise.race([audio.resume(), CQ.sleep(300)]); } catch (err) { return false; }
    }
    return audio.state === "running";
  };

  /* The decoded audio of a URL, fetched once; null when it cannot be had. */
  Voice.prototype.load = function (url) {
    var self = this;
    if (!(url in this.buffers)) {
      this.buffers[url] = fetch(url).then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.arrayBuffer();
      }).then(function (bytes) {
        return self.audio.decodeAudioData(bytes);
      }).catch(function () {
        delete self.buffers[url];  // the next call tries again
        return null;
      });
    }
    return this.buffers[url];
  };

  /* The call's audio per page language, or null unless every language has it. */
  Voice.prototype.clips = async function (call, languages) {
    if (this.audio === null || !call.audio) { return null; }
    var self = this;
    var urls = languages.map(function (lang) { return pick(call.audio, lang); });
    if (urls.some(function (url) { return !url; })) { return null; }
    var buffers = await Promise.all(urls.map(function (url) { return self.load(url); }));
    if (buffers.some(function (buffer) { return buffer === null; })) { return null; }
    return buffers.map(function (buffer, i) { return { buffer: buffer, url: urls[i] }; });
  };

  Voice.prototype.play = function (call, clip, lang) {
    var audio = this.audio;
    return new Promise(function (resolve) {
      var source = audio.createBufferSource();
      var entry = { seq: call.seq, lang: lang, url: clip.url, start: null, end: null };
      source.buffer = clip.buffer;
      source.connect(audio.destination);
      source.onended = function () {
        entry.end = performance.now();
        resolve();
      };
      source.start();
      entry.start = performance.now();
      entry.epochMs = performance.timeOrigin + entry.start;
      plays.push(entry);
    });
  };

  Voice.prototype.chime = async function () {
    var start = performance.now();
    await CQ.sleep(CQ.playChime(this.audio));
    plays.push({ chime: true, start: start, end: performance.now(),
      epochMs: performance.timeOrigin + start });
  };

  /* Say `call` `repeats` times in `languages`, as long as `stillCurrent()`; resolves to how it
   * was announced: "audio", "os_voice", "chime_only" or "shown_only". */
  Voice.prototype.announce = async function (call, languages, repeats, stillCurrent) {
    var how;
    if (!(await this.unlock())) {
      how = this.audio === null && await this.speakAll(call, languages, repeats, stillCurrent) ?
        "os_voice" : "shown_only";
    } else {
      var loading = this.clips(call, languages);
      await this.chime();
      var clips = await loading;
      if (clips !== null) {
        for (var round = 0; round < repeats && stillCurrent(); round += 1) {
          for (var i = 0; i < clips.length; i += 1) { await this.play(call, clips[i], languages[i]); }
        }
        how = "audio";
      } else {
        how = await this.speakAll(call, languages, repeats, stillCurrent) ? "os_voice" : "chime_only";
      }
    }
    receipts.push({ seq: call.seq, how: how });
    return how;
  };

  /* The browser's own voice; true when at least one utterance really started. */
  Voice.prototype.speakAll = async function (call, languages, repeats, stillCurrent) {
    var started = false;
    for (var round = 0; round < repeats && stillCurrent(); round += 1) {
      for (var i = 0; i < languages.length; i += 1) {
        var text = pick(call.text, languages[i]);
        if (text && await speak(text, languages[i])) { started = true; }
      }
    }
    return started;
  };

  /* A per-language value of a call: "zh-CN" takes the call's "zh". */
  function pick(values, lang) {
    return values[lang] || values[lang.slice(0, 2).toLowerCase()] || "";
  }

  function voiceFor(lang) {
    var voices = global.speechSynthesis.getVoices();
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

  /* Resolves when the utterance ends, fails, or clearly never started or overran: to whether
   * it started at all (an engine without a voice "ends" a silent utterance). */
  function speak(text, lang) {
    return new Promise(function (resolve) {
      if (!("speechSynthesis" in global)) { resolve(false); return; }
      var synth = global.speechSynthesis;
      var utterance = new SpeechSynthesisUtterance(text);
      var finished = false;
      var started = false;
      var timer = null;
      function finish() {
        if (finished) { return; }
        finished = true;
        clearTimeout(timer);
        resolve(started);
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
        started = true;
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

  global.ClinicQueueVoice = { Voice: Voice, pick: pick, plays: plays, receipts: receipts };
})(window);

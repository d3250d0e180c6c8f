// Read-aloud and the Print button. 🔊 reads the screen's <main> in reading order, in the
// screen's language, slower than usual, with the device's own voices (speechSynthesis); the
// sentence being read is highlighted. Japanese is said with the furigana's readings: the <rt> over
// a word where furigana is on, else the same readings asked from the server (never guessed by
// the voice). A kiosk whose tablet has no voice for the language reads it with espeak-ng on the
// kiosk (data-audio-url). Text never leaves the site. Elements marked data-read="skip", controls,
// and text in another language than the screen's are not read.
(function () {
  "use strict";
  var RATE = 0.8;
  var BLOCKS = "h1, h2, h3, p, li, dt, dd, label, legend, figcaption, th, td";
  var NOT_READ = "a.btn, button, input, select, textarea, svg, rt, rp, script, style, [aria-hidden=true], [data-read=skip]";
  var PICTURES = /[\u2190-\u21ff\u2300-\u27bf\u2b00-\u2bff\u{1f000}-\u{1faff}\ufe0f]/gu;
  var KANJI = /[\u3005\u3400-\u9fff\uf900-\ufaff]/;
  var synth = window.speechSynthesis || null;
  var run = 0, audio = null, sound = null;

  function box() { return document.querySelector(".read-aloud"); }
  function pageLang() { return (document.documentElement.lang || "").toLowerCase(); }
  function sameLang(el, lang) {
    var tagged = el.closest("[lang]");
    var own = tagged ? tagged.getAttribute("lang").toLowerCase() : lang;
    return own.split("-")[0] === lang.split("-")[0];
  }

  // The main text of the screen, in document order: [{el, text}], one item per sentence.
  function readable() {
    var main = document.getElementById("main") || document.querySelector("main");
    var lang = pageLang(), kept = [], items = [];
    if (!main) { return items; }
    main.querySelectorAll(BLOCKS).forEach(function (el) {
      if (el.closest("[data-read=skip], [hidden], nav, .crumbs, form.prefs") || !el.getClientRects().length) { return; }
      if (!sameLang(el, lang) || kept.some(function (k) { return k.contains(el); })) { return; }
      var copy = el.cloneNode(true);
      copy.querySelectorAll("ruby").forEach(function (r) {        // the reading, not the kanji
        var rt = r.querySelector("rt");
        if (rt) { r.replaceWith(document.createTextNode(rt.textContent)); }
      });
      copy.querySelectorAll(NOT_READ).forEach(function (n) { n.remove(); });
      copy.querySelectorAll("[lang]").forEach(function (n) {
        if (!sameLang(n, lang)) { n.remove(); }
      });
      copy.querySelectorAll("br").forEach(function (n) { n.replaceWith(document.createTextNode(" ")); });
      var text = copy.textContent.replace(PICTURES, " ").replace(/\s+/g, " ").trim();
      if (!/[\p{L}\p{N}]/u.test(text)) { return; }
      kept.push(el);
      var spans = sentenceSpans(el);
      if (spans) {
        spans.forEach(function (span) {
          var said = span.textContent.replace(PICTURES, " ").replace(/\s+/g, " ").trim();
          if (said) { items.push({el: span, text: said}); }
        });
      } else {
        sentences(text).forEach(function (s) { items.push({el: el, text: s}); });
      }
    });
    return items;
  }

  var SENTENCE_END = /(?<=[。！？])|(?<=[.!?])(?=\s+\S)/;
  function sentences(text) {
    return text.split(SENTENCE_END).map(function (s) { return s.trim(); }).filter(function (s) { return s; });
  }

  // Plain text of several sentences is cut into one <span> a sentence, so the one being read
  // is highlighted (text with furigana or links inside is highlighted as a whole).
  function sentenceSpans(el) {
    if (el.childNodes.length !== 1 || el.firstChild.nodeType !== Node.TEXT_NODE) {
      return el.querySelector(":scope > .read-sentence") ? [].slice.call(el.children) : null;
    }
    var parts = el.textContent.split(SENTENCE_END);
    if (parts.length < 2) { return null; }
    el.textContent = "";
    return parts.map(function (part) {
      var span = document.createElement("span");
      span.className = "read-sentence";
      span.textContent = part;
      el.appendChild(span);
      return span;
    });
  }

  function post(url, body) {
    var token = document.querySelector("input[name=csrf_token]");
    var headers = {"Content-Type": "application/json"};
    if (token) { headers["X-CSRFToken"] = token.value; }
    return fetch(url, {method: "POST", headers: headers, body: JSON.stringify(body), credentials: "same-origin"});
  }

  // Japanese still holding kanji (furigana off): the server's readings, the furigana's own.
  function withReadings(items, b) {
    if (pageLang().indexOf("ja") !== 0 || !items.some(function (i) { return KANJI.test(i.text); })) {
      return Promise.resolve(items);
    }
    return post(b.dataset.readingUrl, {texts: items.map(function (i) { return i.text; })})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && data.texts && data.texts.length === items.length) {
          items.forEach(function (item, n) { item.text = data.texts[n]; });
        }
        return items;
      })
      .catch(function () { return items; });
  }

  function voiceFor(lang) {
    var voices = synth ? synth.getVoices() : [];
    var want = lang.toLowerCase().replace("_", "-"), base = want.split("-")[0];
    var exactly = voices.filter(function (v) { return v.lang.toLowerCase().replace("_", "-") === want; });
    if (exactly.length) { return exactly[0]; }
    return voices.filter(function (v) { return v.lang.toLowerCase().split(/[-_]/)[0] === base; })[0] || null;
  }

  function mark(el) {
    document.querySelectorAll(".reading-now").forEach(function (n) { n.classList.remove("reading-now"); });
    if (el) {
      el.classList.add("reading-now");
      el.scrollIntoView({block: "nearest"});
    }
  }

  function show(reading) {
    var b = box();
    if (!b) { return; }
    b.querySelector(".read-btn").hidden = reading;
    b.querySelector(".stop-btn").hidden = !reading;
  }

  function finished(mine) {
    if (mine !== run) { return; }
    mark(null);
    show(false);
  }

  function stop() {
    run += 1;
    if (synth) { synth.cancel(); }
    if (audio) { audio.onended = null; audio.stop(); audio = null; }
    mark(null);
    show(false);
  }

  function speakAll(items, lang, voice, mine) {
    items.forEach(function (item, n) {
      var u = new SpeechSynthesisUtterance(item.text);
      u.lang = lang;
      u.rate = RATE;
      try { if (voice) { u.voice = voice; } } catch (e) { /* the lang alone picks a voice */ }
      u.onstart = function () { if (mine === run) { mark(item.el); } };
      if (n === items.length - 1) {
        u.onend = function () { finished(mine); };
        u.onerror = function () { finished(mine); };
      }
      synth.speak(u);
    });
  }

  // The kiosk's own voice: one sentence at a time, each fetched as it comes.
  function playAll(items, url, mine, n) {
    if (mine !== run) { return; }
    if (n >= items.length) { finished(mine); return; }
    mark(items[n].el);
    post(url, {text: items[n].text})
      .then(function (r) {
        if (!r.ok) {
          return r.json().catch(function () { return {}; })
            .then(function (d) { throw new Error(d.error || box().dataset.failed || ""); });
        }
        return r.arrayBuffer();
      })
      .then(function (wav) {
        if (mine !== run) { return; }
        // Web Audio, not an <audio> element: the page's CSP allows no blob: media.
        sound = sound || new (window.AudioContext || window.webkitAudioContext)();
        return sound.decodeAudioData(wav).then(function (decoded) {
          if (mine !== run) { return; }
          audio = sound.createBufferSource();
          audio.buffer = decoded;
          audio.connect(sound.destination);
          audio.onended = function () { playAll(items, url, mine, n + 1); };
          audio.start();
        });
      })
      .catch(function (err) {
        var note = box() && box().querySelector(".read-note");
        if (note && err && err.message) { note.textContent = err.message; }
        finished(mine);
      });
  }

  function read() {
    var b = box();
    if (!b) { return; }
    stop();
    var mine = run, lang = b.dataset.speechLang;
    b.querySelector(".read-note").textContent = "";
    show(true);
    withReadings(readable(), b).then(function (items) {
      if (mine !== run) { return; }
      if (!items.length) { finished(mine); return; }
      var voice = voiceFor(lang);
      if (!voice && b.dataset.audioUrl) {
        playAll(items, b.dataset.audioUrl, mine, 0);
      } else if (synth) {
        speakAll(items, lang, voice, mine);     // no voice listed: the device may still have one
      } else {
        finished(mine);
      }
    });
  }

  function ready() {
    var b = box();
    if (b && (synth || b.dataset.audioUrl)) { b.querySelector(".read-btn").hidden = false; }
    document.querySelectorAll(".print-btn").forEach(function (p) { p.hidden = !window.print; });
    if (synth) { synth.getVoices(); }        // the list loads in the background
  }

  document.addEventListener("click", function (e) {
    var t = e.target.closest ? e.target.closest(".read-btn, .stop-btn, .print-btn") : null;
    if (!t) { return; }
    e.preventDefault();
    if (t.classList.contains("read-btn")) { read(); }
    else if (t.classList.contains("stop-btn")) { stop(); }
    else { window.print(); }
  });
  // A new screen (a boosted link swaps the body) or leaving the page ends the reading.
  document.addEventListener("htmx:beforeSwap", function (e) {
    if (e.detail && e.detail.target === document.body) { stop(); }
  });
  window.addEventListener("pagehide", stop);
  document.addEventListener("DOMContentLoaded", ready);
  document.addEventListener("htmx:load", ready);
})();

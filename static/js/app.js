/* Guildhall: app.js. Progressive enhancement only: every page works without it.
   (a) theme toggle  (b) data-confirm forms  (c) live Markdown preview
   (d) click-to-copy code[data-copy]  (e) close dropdown <details> on outside click / Escape
   (f) lesson videos resume and save their position */
(function () {
  'use strict';

  var root = document.documentElement;
  var THEME_KEY = 'guildhall-theme';
  var isZh = /^zh/i.test(root.lang || '');

  function readTheme() {
    try { return window.localStorage.getItem(THEME_KEY); } catch (e) { return null; }
  }
  function saveTheme(value) {
    try { window.localStorage.setItem(THEME_KEY, value); } catch (e) { /* private mode */ }
    // Also a cookie, so the server may one day render <html data-theme> itself (no flash).
    document.cookie = 'gh_theme=' + value + '; path=/; max-age=31536000; SameSite=Lax';
  }

  // (a) Apply the stored theme as early as a deferred script can.
  var stored = readTheme();
  if (stored === 'dark' || stored === 'light') {
    root.setAttribute('data-theme', stored);
  }

  function effectiveTheme() {
    var t = root.getAttribute('data-theme');
    if (t === 'dark' || t === 'light') return t;
    return window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  }

  function initThemeToggle() {
    var buttons = document.querySelectorAll('[data-theme-toggle]');
    function sync() {
      var dark = effectiveTheme() === 'dark';
      for (var i = 0; i < buttons.length; i++) {
        buttons[i].setAttribute('aria-pressed', dark ? 'true' : 'false');
        buttons[i].textContent = dark ? '☾' : '☀';
        if (!buttons[i].title) buttons[i].title = buttons[i].getAttribute('aria-label') || '';
      }
    }
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener('click', function () {
        var next = effectiveTheme() === 'dark' ? 'light' : 'dark';
        root.setAttribute('data-theme', next);
        saveTheme(next);
        sync();
      });
    }
    if (window.matchMedia) {
      var mq = window.matchMedia('(prefers-color-scheme: dark)');
      if (mq.addEventListener) mq.addEventListener('change', sync);
      else if (mq.addListener) mq.addListener(sync);
    }
    sync();
  }

  // (b) Confirm destructive submits.
  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (!form || !form.getAttribute) return;
    var message = form.getAttribute('data-confirm');
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  });

  // (c) Live preview in the editor; the "preview" submit button keeps working server-side.
  function initEditor(form) {
    var textarea = form.querySelector('textarea[data-body]');
    var preview = form.querySelector('[data-preview]');
    var csrf = form.querySelector('input[name="_csrf"]');
    if (!textarea || !preview || !window.fetch || !window.JSON) return;

    var timer = null;
    var seq = 0;
    var lastSent = null;
    var gaveUp = false;

    function render() {
      var body = textarea.value;
      if (gaveUp || body === lastSent) return;
      lastSent = body;
      var mine = ++seq;
      window.fetch('/api/v1/preview', {
        method: 'POST',
        credentials: 'same-origin',
        headers: {
          'Content-Type': 'application/json',
          'Accept': 'application/json',
          'X-CSRF-Token': csrf ? csrf.value : ''
        },
        body: JSON.stringify({ body_md: body })
      }).then(function (response) {
        if (!response.ok) {
          // No endpoint or not allowed: stop trying; other errors (e.g. too long) may pass later.
          if (response.status === 404 || response.status === 405 || response.status === 401 ||
              response.status === 403) gaveUp = true;
          throw new Error('preview ' + response.status);
        }
        return response.json();
      }).then(function (data) {
        if (mine !== seq || !data || typeof data.html !== 'string') return;
        preview.innerHTML = data.html;
        preview.hidden = false;
        form.classList.add('has-live-preview');
      }).catch(function () { /* silently keep the server-side preview */ });
    }

    textarea.addEventListener('input', function () {
      if (gaveUp) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(render, 450);
    });
  }

  // (d) Copy code[data-copy] on click (or Enter / Space when focused).
  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return legacyCopy(text); });
    }
    return legacyCopy(text);
  }

  function legacyCopy(text) {
    return new Promise(function (resolve, reject) {
      var area = document.createElement('textarea');
      area.value = text;
      area.setAttribute('readonly', '');
      area.style.position = 'fixed'; // CSSOM style, allowed by CSP (not a style attribute in HTML)
      area.style.opacity = '0';
      document.body.appendChild(area);
      area.select();
      var ok = false;
      try { ok = document.execCommand('copy'); } catch (e) { ok = false; }
      document.body.removeChild(area);
      if (ok) resolve(); else reject(new Error('copy failed'));
    });
  }

  function copyFrom(code) {
    var text = code.textContent.replace(/\s+$/, '');
    copyText(text).then(function () {
      code.classList.add('is-copied');
      window.setTimeout(function () { code.classList.remove('is-copied'); }, 1600);
    }, function () {
      // Fall back to selecting the text so the user can copy by hand.
      var range = document.createRange();
      range.selectNodeContents(code);
      var sel = window.getSelection();
      sel.removeAllRanges();
      sel.addRange(range);
    });
  }

  function initCopy() {
    var codes = document.querySelectorAll('code[data-copy]');
    for (var i = 0; i < codes.length; i++) {
      codes[i].setAttribute('tabindex', '0');
      codes[i].setAttribute('role', 'button');
      if (!codes[i].title) codes[i].title = isZh ? '点击复制' : 'Click to copy';
    }
  }

  document.addEventListener('click', function (event) {
    var target = event.target;
    var code = target.closest ? target.closest('code[data-copy]') : null;
    if (code) {
      // Keep a manual text selection usable.
      var sel = window.getSelection && window.getSelection();
      if (!sel || sel.isCollapsed) copyFrom(code);
    }
    // (e) Close open dropdowns when clicking outside them.
    var open = document.querySelectorAll('details.user-menu[open], details.lang-switch[open]');
    for (var i = 0; i < open.length; i++) {
      if (!open[i].contains(target)) open[i].removeAttribute('open');
    }
  });

  document.addEventListener('keydown', function (event) {
    var target = event.target;
    if ((event.key === 'Enter' || event.key === ' ') && target.matches && target.matches('code[data-copy]')) {
      event.preventDefault();
      copyFrom(target);
      return;
    }
    if (event.key === 'Escape') {
      var open = document.querySelectorAll('details.user-menu[open], details.lang-switch[open]');
      for (var i = 0; i < open.length; i++) {
        open[i].removeAttribute('open');
        var summary = open[i].querySelector('summary');
        if (summary && open[i].contains(document.activeElement)) summary.focus();
      }
    }
  });

  // Opening one dropdown closes the other.
  document.addEventListener('toggle', function (event) {
    var d = event.target;
    if (!d.open || !d.matches || !d.matches('details.user-menu, details.lang-switch')) return;
    var open = document.querySelectorAll('details.user-menu[open], details.lang-switch[open]');
    for (var i = 0; i < open.length; i++) {
      if (open[i] !== d) open[i].removeAttribute('open');
    }
  }, true);

  // (f) A lesson's stored video resumes where the learner left it, and the position is saved
  // while it plays (every 15 s and on pause), for "continue where you left off".
  function initLessonVideo(video) {
    var lesson = video.getAttribute('data-lesson-id');
    var start = parseInt(video.getAttribute('data-position'), 10) || 0;
    var saved = start;
    function save() {
      var seconds = Math.floor(video.currentTime || 0);
      if (!lesson || seconds === saved) return;
      saved = seconds;
      fetch('/api/v1/lessons/' + lesson + '/position', {
        method: 'PUT', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ seconds: seconds })
      }).catch(function () { /* offline: the next save catches up */ });
    }
    video.addEventListener('loadedmetadata', function () {
      if (start >= 1 && start < video.duration - 2) video.currentTime = start;  // Not at the very end.
    }, { once: true });
    var last = 0;
    video.addEventListener('timeupdate', function () {
      var now = Date.now();
      if (now - last >= 15000) { last = now; save(); }
    });
    video.addEventListener('pause', save);
  }

  function init() {
    var videos = document.querySelectorAll('video[data-lesson-video][data-lesson-id]');
    for (var v = 0; v < videos.length; v++) initLessonVideo(videos[v]);
    initThemeToggle();
    initCopy();
    var editors = document.querySelectorAll('form[data-editor]');
    for (var i = 0; i < editors.length; i++) initEditor(editors[i]);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();

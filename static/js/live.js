/* Guildhall: live.js. Progressive enhancement for signed-in pages: one WebSocket to /ws brings
   new notifications (the unread badge and a short toast) and the new comments of the post
   being read. Without it every page still works: a reload shows the same things. */
(function () {
  'use strict';

  var bell = document.querySelector('[data-live-bell]');
  if (!bell || !window.WebSocket || !window.JSON) return;
  var badge = bell.querySelector('[data-unread]');
  var postSection = document.querySelector('[data-live-post]');
  // The check-in page of an event: its live count of attendees (organisers only).
  var eventCount = document.querySelector('[data-live-event]');
  var retryMs = 1000;
  var socket = null;

  function setUnread(count) {
    badge.textContent = String(count);
    badge.hidden = count <= 0;
  }

  function toasts() {
    var box = document.getElementById('live-toasts');
    if (!box) {
      box = document.createElement('div');
      box.id = 'live-toasts';
      box.className = 'toasts';
      box.setAttribute('role', 'status');
      box.setAttribute('aria-live', 'polite');
      document.body.appendChild(box);
    }
    return box;
  }

  function showToast(notification) {
    var link = document.createElement('a');
    link.className = 'toast';
    link.href = notification.link || '/notifications';
    var label = document.createElement('strong');
    label.textContent = bell.getAttribute('data-toast-new') || '';
    link.appendChild(label);
    var who = notification.actor ? notification.actor.display_name + ' · ' : '';
    link.appendChild(document.createTextNode(' ' + who + (notification.title || '')));
    toasts().appendChild(link);
    setTimeout(function () { link.remove(); }, 8000);
  }

  function commentCount(delta) {
    var counter = postSection && postSection.querySelector('h2 .muted');
    if (!counter) return;
    counter.textContent = String((parseInt(counter.textContent, 10) || 0) + delta);
  }

  // body_html is the server's sanitised rendering, the same the page itself embeds.
  function addComment(comment) {
    if (!postSection || document.getElementById('comment-' + comment.id)) return;
    var list = postSection.querySelector('.comment-list');
    if (!list) return;
    var item = document.createElement('li');
    item.className = 'comment is-new' + (comment.parent_id ? ' is-reply' : '');
    item.id = 'comment-' + comment.id;
    item.setAttribute('data-live-comment', '');
    var meta = document.createElement('div');
    meta.className = 'comment-meta';
    var author = document.createElement('a');
    author.className = 'author';
    author.href = '/u/' + encodeURIComponent(comment.author.username);
    author.textContent = comment.author.display_name;
    var time = document.createElement('time');
    time.setAttribute('datetime', comment.created_at);
    time.textContent = new Date(comment.created_at).toLocaleString();
    meta.appendChild(author);
    meta.appendChild(document.createTextNode(' · '));
    meta.appendChild(time);
    var body = document.createElement('div');
    body.className = 'prose comment-body';
    body.innerHTML = comment.body_html;
    item.appendChild(meta);
    item.appendChild(body);
    // A reply goes after the last reply of its thread; a new thread at the end.
    var parent = comment.parent_id && document.getElementById('comment-' + comment.parent_id);
    if (parent && parent.parentNode === list) {
      var after = parent;
      while (after.nextElementSibling && after.nextElementSibling.classList.contains('is-reply')) {
        after = after.nextElementSibling;
      }
      list.insertBefore(item, after.nextSibling);
    } else {
      list.appendChild(item);
    }
    commentCount(1);
  }

  function handle(message) {
    if (message.type === 'hello') {
      setUnread(message.unread);
    } else if (message.type === 'notification') {
      setUnread((parseInt(badge.textContent, 10) || 0) + 1);
      showToast(message.notification);
    } else if (message.type === 'comment') {
      addComment(message.comment);
    } else if (message.type === 'access_changed' && postSection && socket) {
      // The server paused this post's comments (a refund or a ban): ask again; it checks anew.
      socket.send(JSON.stringify({ type: 'subscribe', post_id: Number(postSection.getAttribute('data-live-post')) }));
    } else if (message.type === 'checkin' && eventCount &&
               String(message.event_id) === eventCount.getAttribute('data-live-event')) {
      eventCount.querySelector('[data-checkin-count]').textContent = String(message.checked_in);
      eventCount.querySelector('[data-confirmed-count]').textContent = String(message.confirmed);
    } else if (message.type === 'subscribed' && message.event_id && eventCount) {
      eventCount.setAttribute('data-live-state', 'live');
    } else if (message.type === 'subscribed' && postSection) {
      // Marks the comment list as live (styles may show it; it is also what tests wait for).
      postSection.setAttribute('data-live-state', 'live');
    }
  }

  function connect() {
    var scheme = window.location.protocol === 'https:' ? 'wss://' : 'ws://';
    socket = new WebSocket(scheme + window.location.host + '/ws');
    socket.onopen = function () {
      retryMs = 1000;
      if (postSection) {
        socket.send(JSON.stringify({ type: 'subscribe', post_id: Number(postSection.getAttribute('data-live-post')) }));
      }
      if (eventCount) {
        socket.send(JSON.stringify({ type: 'subscribe_event', event_id: Number(eventCount.getAttribute('data-live-event')) }));
      }
    };
    socket.onmessage = function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (e) { return; }
      handle(message);
    };
    // Reconnect with backoff (the server restarted, or closed a page that fell behind); the
    // hello message sets the badge right again.
    socket.onclose = function () {
      if (postSection) postSection.removeAttribute('data-live-state');
      setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 30000);
    };
  }

  connect();
})();

// Notifications (API, page, header count), followed tags, and live delivery over GET /ws with
// a real WebSocket client (the `ws` package): notifications to their recipient, new comments
// to pages showing a post, and never a comment of a paid post to someone who has not paid.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import WebSocket from 'ws';
import { startServer, Client, newUser, binary } from './harness.mjs';

const SPAM_OFF = ['--new-account-posts-per-hour', '0', '--new-account-comments-per-hour', '0', '--new-account-max-links', '0'];

let server, owner, alice, bob, freeMember, aliceBrowser;
const SECRET = 'PAID_SECRET_5be2';

// A cookie-only client (a browser), signed up through the API that sets the session cookie.
async function browserUser(prefix) {
  const client = new Client(server.base);
  const name = `${prefix}${Date.now() % 100000}${Math.floor(Math.random() * 1000)}`;
  const r = await client.post('/api/v1/auth/signup', { email: `${name}@example.com`, username: name, password: 'correct horse battery' });
  assert.equal(r.status, 201, r.text);
  client.username = name;
  client.apiToken = r.data.token;
  return client;
}

// Opens /ws and collects its messages; next(predicate) waits for the first matching one.
function openSocket(path, headers = {}) {
  const url = server.base.replace('http', 'ws') + path;
  const socket = new WebSocket(url, { headers });
  const messages = [];
  const waiters = [];
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString());
    messages.push(message);
    for (const w of [...waiters]) {
      if (w.predicate(message)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(message); }
    }
  });
  const opened = new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('unexpected-response', (req, res) => reject(Object.assign(new Error('refused'), { status: res.statusCode })));
    socket.once('error', reject);
  });
  return {
    socket, messages, opened,
    next(predicate, ms = 5000) {
      const found = messages.find(predicate);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = { predicate, resolve };
        waiters.push(waiter);
        setTimeout(() => { waiters.splice(waiters.indexOf(waiter), 1); reject(new Error('no such message in time')); }, ms);
      });
    },
    send(object) { socket.send(JSON.stringify(object)); },
    close() { socket.terminate(); },
  };
}

function browserSocket(client) {
  return openSocket('/ws', { Cookie: client.cookieHeader(), Origin: server.base });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  // Brand-new accounts post a lot here on purpose: the new-account spam limits are off.
  server = await startServer(SPAM_OFF);
  owner = await newUser(server.base, 'owner');
  alice = await newUser(server.base, 'alice');
  bob = await newUser(server.base, 'bob');
  freeMember = await newUser(server.base, 'free');
  aliceBrowser = new Client(server.base);
  const login = await aliceBrowser.post('/api/v1/auth/login', { login: alice.username, password: 'correct horse battery' });
  assert.equal(login.status, 200);
  assert.equal((await owner.post('/api/v1/communities', { slug: 'live-club', name: 'Live Club' })).status, 201);
  for (const c of [alice, bob, freeMember]) {
    assert.equal((await c.post('/api/v1/communities/live-club/join', {})).status, 200);
  }
});
after(async () => { await server.stop(); });

async function post(client, fields) {
  const r = await client.post('/api/v1/communities/live-club/posts', { title: 'A post', body_md: 'body', ...fields });
  assert.equal(r.status, 201, r.text);
  return r.data.post;
}

test('replies and mentions arrive in the API with keyset pagination, and can be marked read', async () => {
  const p = await post(alice, { title: 'Alice asks' });
  const c1 = await bob.post(`/api/v1/posts/${p.id}/comments`, { body_md: 'first answer' });
  assert.equal(c1.status, 201);
  await bob.post(`/api/v1/posts/${p.id}/comments`, { body_md: `also @${alice.username} and @${bob.username}` });
  await alice.post(`/api/v1/posts/${p.id}/comments`, { body_md: 'thanks', parent_id: c1.data.comment.id });

  const list = await alice.get('/api/v1/me/notifications');
  assert.equal(list.status, 200);
  assert.equal(list.data.unread, 3, 'two comments by bob (the mention shares its comment) and a first-post badge');
  assert.deepEqual(list.data.notifications.map((n) => n.kind), ['reply_post', 'reply_post', 'badge']);
  const n = list.data.notifications[1];
  assert.equal(n.actor.username, bob.username);
  assert.equal(n.title, 'Alice asks');
  assert.equal(n.text, 'first answer');
  assert.equal(n.link, `/p/${p.id}#comment-${c1.data.comment.id}`);
  assert.deepEqual(n.target, { type: 'comment', id: c1.data.comment.id });
  assert.equal(n.read_at, null);
  assert.equal(n.community.slug, 'live-club');

  const bobs = await bob.get('/api/v1/me/notifications');
  assert.deepEqual(bobs.data.notifications.map((x) => x.kind), ['reply_comment'], 'no notification to oneself');

  const first = await alice.get('/api/v1/me/notifications?limit=1');
  assert.equal(first.data.notifications.length, 1);
  assert.ok(first.data.next_cursor);
  const second = await alice.get(`/api/v1/me/notifications?limit=1&cursor=${first.data.next_cursor}`);
  assert.notEqual(second.data.notifications[0].id, first.data.notifications[0].id);
  assert.equal((await alice.get('/api/v1/me/notifications?cursor=zz')).status, 400);

  const marked = await alice.post('/api/v1/me/notifications/read', { ids: [first.data.notifications[0].id, bobs.data.notifications[0].id] });
  assert.equal(marked.status, 200);
  assert.equal(marked.data.unread, 2);
  assert.equal((await bob.get('/api/v1/me/notifications')).data.unread, 1, "another user's id is ignored");
  assert.equal((await alice.post('/api/v1/me/notifications/read', { all: true })).data.unread, 0);
  const bad = await alice.post('/api/v1/me/notifications/read', {});
  assert.equal(bad.status, 400);
  assert.equal(bad.data.error.code, 'notify.ids_required');
  assert.equal((await new Client(server.base).get('/api/v1/me/notifications')).status, 401);
});

test('following a tag: API, and a new post there notifies with its preview only', async () => {
  const follow = await freeMember.request('PUT', '/api/v1/communities/live-club/tags/Rust/follow');
  assert.equal(follow.status, 200);
  assert.equal(follow.data.following, true);
  const followed = await freeMember.get('/api/v1/me/followed-tags');
  assert.deepEqual(followed.data.tags, [{ community: { slug: 'live-club', name: 'Live Club' }, tag: 'rust' }]);
  assert.equal((await freeMember.request('PUT', '/api/v1/communities/nowhere/tags/rust/follow')).status, 404);

  const paid = await post(owner, { title: 'Paid rust', kind: 'article', tags: ['rust'], visibility: 'paid', body_md: `TEASER_rust\n\n<!-- paywall -->\n\n${SECRET} @${freeMember.username}` });
  const got = await freeMember.get('/api/v1/me/notifications');
  assert.equal(got.data.notifications.length, 1, 'the tag, not the mention in the paid part');
  const n = got.data.notifications[0];
  assert.equal(n.kind, 'tag_post');
  assert.equal(n.link, `/p/${paid.id}`);
  assert.ok(n.text.includes('TEASER_rust'));
  assert.ok(!JSON.stringify(got.data).includes(SECRET));

  assert.equal((await freeMember.del('/api/v1/communities/live-club/tags/rust/follow')).data.following, false);
  assert.deepEqual((await freeMember.get('/api/v1/me/followed-tags')).data.tags, []);
});

test('the notifications page, the unread count in the header, and the follow button', async () => {
  const p = await post(alice, { title: 'For the page', tags: ['pagetag'] });
  await bob.post(`/api/v1/posts/${p.id}/comments`, { body_md: 'a page reply' });
  const page = await aliceBrowser.get('/notifications');
  assert.equal(page.status, 200);
  assert.match(page.text, /For the page/);
  assert.match(page.text, /a page reply/);
  assert.match(page.text, /data-unread>1</);
  const csrf = page.text.match(/name="_csrf" value="([^"]+)"/)[1];
  const read = await aliceBrowser.request('POST', '/notifications/read', { form: { _csrf: csrf, all: '1' } });
  assert.equal(read.status, 303);
  assert.match((await aliceBrowser.get('/notifications')).text, /data-unread hidden>0</);
  assert.equal((await new Client(server.base).get('/notifications')).status, 303, 'signed out: to the login page');
  // Without the CSRF token nothing changes.
  assert.equal((await aliceBrowser.request('POST', '/notifications/read', { form: { all: '1' } })).status, 403);

  const tagPage = await aliceBrowser.get('/c/live-club/tags/pagetag');
  assert.match(tagPage.text, /action="\/c\/live-club\/tags\/pagetag\/follow"/);
  const token = tagPage.text.match(/name="_csrf" value="([^"]+)"/)[1];
  const followed = await aliceBrowser.request('POST', '/c/live-club/tags/pagetag/follow', { form: { _csrf: token, follow: '1' } });
  assert.equal(followed.status, 303);
  assert.match((await aliceBrowser.get('/c/live-club/tags/pagetag')).text, /name="follow" value="0"/);
  // The anonymous (cacheable) tag page carries no one's count or follow state.
  const anonymous = await new Client(server.base).get('/c/live-club/tags/pagetag');
  assert.doesNotMatch(anonymous.text, /data-unread/);
  assert.doesNotMatch(anonymous.text, /name="follow"/);
});

test('GET /ws: anonymous and foreign origins are refused before the upgrade', async () => {
  await assert.rejects(openSocket('/ws').opened, (e) => e.status === 401);
  await assert.rejects(openSocket('/ws?token=nonsense').opened, (e) => e.status === 401);
  await assert.rejects(openSocket('/ws', { Cookie: aliceBrowser.cookieHeader(), Origin: 'https://evil.example' }).opened, (e) => e.status === 403);
  await assert.rejects(openSocket('/ws', { Cookie: aliceBrowser.cookieHeader() }).opened, (e) => e.status === 403);
  const plain = await aliceBrowser.get('/ws', { headers: { Origin: server.base } });
  assert.equal(plain.status, 400, 'not an upgrade');
});

test('live: a notification reaches its recipient, comments reach pages showing the post', async () => {
  const live = browserSocket(aliceBrowser);
  await live.opened;
  const hello = await live.next((m) => m.type === 'hello');
  assert.equal(typeof hello.unread, 'number');
  const bobLive = openSocket(`/ws?token=${bob.token}`);
  await bobLive.opened;
  await bobLive.next((m) => m.type === 'hello');

  const p = await post(alice, { title: 'Live post' });
  bobLive.send({ type: 'subscribe', post_id: p.id });
  await bobLive.next((m) => m.type === 'subscribed' && m.post_id === p.id);
  live.send({ type: 'subscribe', post_id: p.id });
  await live.next((m) => m.type === 'subscribed');

  const c = await bob.post(`/api/v1/posts/${p.id}/comments`, { body_md: 'live **reply**' });
  // On PostgreSQL a busy machine may still deliver an earlier test's notification after this
  // socket opened (LISTEN/NOTIFY is asynchronous): wait for the one about this post.
  const note = await live.next((m) => m.type === 'notification' && m.notification.title === 'Live post');
  assert.equal(note.notification.kind, 'reply_post');
  assert.equal(note.notification.text, 'live reply');
  const seen = await live.next((m) => m.type === 'comment');
  assert.equal(seen.comment.id, c.data.comment.id);
  assert.match(seen.comment.body_html, /<strong>reply<\/strong>/);
  await bobLive.next((m) => m.type === 'comment' && m.comment.id === c.data.comment.id);
  assert.ok(!bobLive.messages.some((m) => m.type === 'notification'), 'bob wrote it: no notification for bob');

  live.send({ type: 'nonsense' });
  assert.equal((await live.next((m) => m.type === 'error')).code, 'live.unknown_type');
  live.close();
  bobLive.close();
});

test('live: comments of a paid post never reach a user who has not paid', async () => {
  const paid = await post(owner, { title: 'Paid live', kind: 'article', visibility: 'paid', body_md: `teaser\n\n<!-- paywall -->\n\n${SECRET}` });
  const free = openSocket(`/ws?token=${freeMember.token}`);
  await free.opened;
  free.send({ type: 'subscribe', post_id: paid.id });
  const refused = await free.next((m) => m.type === 'error');
  assert.equal(refused.code, 'live.not_allowed');
  const author = openSocket(`/ws?token=${owner.token}`);
  await author.opened;
  author.send({ type: 'subscribe', post_id: paid.id });
  await author.next((m) => m.type === 'subscribed');

  await owner.post(`/api/v1/posts/${paid.id}/comments`, { body_md: `about ${SECRET}, @${freeMember.username}` });
  await author.next((m) => m.type === 'comment');
  await sleep(300);
  assert.ok(!free.messages.some((m) => m.type === 'comment'), 'no comment of the paid post');
  assert.ok(!JSON.stringify(free.messages).includes(SECRET), 'nothing paid over the socket');
  assert.ok(!JSON.stringify((await freeMember.get('/api/v1/me/notifications')).data).includes(SECRET));
  free.close();
  author.close();
});

test('live: a refund stops the comment stream of the page the buyer has open', async () => {
  const sale = await post(owner, { title: 'Sold live', kind: 'article', visibility: 'paid', price: { amount_minor: 800, currency: 'CNY' }, body_md: `teaser\n\n<!-- paywall -->\n\n${SECRET}` });
  const checkout = (await bob.post('/api/v1/checkout', { post_id: sale.id, provider: 'manual' })).data.checkout;
  const payment = (await owner.post(`/api/v1/checkout/${checkout.id}/confirm`, {})).data.payment;
  const buyer = openSocket(`/ws?token=${bob.token}`);
  await buyer.opened;
  buyer.send({ type: 'subscribe', post_id: sale.id });
  await buyer.next((m) => m.type === 'subscribed');
  await owner.post(`/api/v1/posts/${sale.id}/comments`, { body_md: 'BEFORE_REFUND' });
  await buyer.next((m) => m.type === 'comment' && m.comment.body_md === 'BEFORE_REFUND');

  assert.equal((await owner.post(`/api/v1/payments/${payment.id}/refund`, {})).status, 200);
  await buyer.next((m) => m.type === 'access_changed');
  await owner.post(`/api/v1/posts/${sale.id}/comments`, { body_md: `AFTER_REFUND ${SECRET}` });
  await sleep(300);
  assert.ok(!JSON.stringify(buyer.messages).includes('AFTER_REFUND'), 'the stream stopped with the refund');
  // Subscribing again is checked anew: refused.
  buyer.send({ type: 'subscribe', post_id: sale.id });
  assert.equal((await buyer.next((m) => m.type === 'error')).code, 'live.not_allowed');
  buyer.close();
});

test('shutdown closes open sockets', async () => {
  const extra = await startServer();
  try {
    const u = await newUser(extra.base, 'shut');
    const socket = new WebSocket(`${extra.base.replace('http', 'ws')}/ws?token=${u.token}`);
    await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
    const closed = new Promise((resolve) => socket.once('close', (code) => resolve(code)));
    const began = Date.now();
    const exit = extra.stop();
    assert.equal(await closed, 1001);
    assert.equal(await exit, 0);
    assert.ok(Date.now() - began < 5000);
  } finally {
    await extra.stop();
  }
});

// PostgreSQL only: two server processes on one database (two app nodes). A comment committed
// through one reaches a page connected to the other, through LISTEN/NOTIFY.
test('live delivery crosses server processes on PostgreSQL', { skip: !process.env.GH_TEST_PG && 'SQLite is one process' }, async () => {
  const second = spawn(binary, ['serve', '--listen', '127.0.0.1:0', '--database', server.database, '--threads', '2', ...SPAM_OFF], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const port = await new Promise((resolve, reject) => {
      let out = '';
      second.stdout.on('data', (d) => { out += d; const m = out.match(/listening on [^:]+:(\d+)/); if (m) resolve(Number(m[1])); });
      second.on('exit', (code) => reject(new Error(`second server exited ${code}`)));
    });
    const p = await post(alice, { title: 'Across nodes' });
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${alice.token}`);
    const messages = [];
    const got = (predicate) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('nothing arrived on the other node')), 5000);
      const check = () => { const m = messages.find(predicate); if (m) { clearTimeout(timer); resolve(m); } else setTimeout(check, 10); };
      check();
    });
    socket.on('message', (d) => messages.push(JSON.parse(d.toString())));
    await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject); });
    socket.send(JSON.stringify({ type: 'subscribe', post_id: p.id }));
    await got((m) => m.type === 'subscribed');
    // Bob comments through the first node.
    const c = await bob.post(`/api/v1/posts/${p.id}/comments`, { body_md: 'from the other node' });
    assert.equal(c.status, 201);
    assert.equal((await got((m) => m.type === 'notification')).notification.text, 'from the other node');
    assert.equal((await got((m) => m.type === 'comment')).comment.id, c.data.comment.id);
    socket.terminate();
  } finally {
    const exited = new Promise((r) => second.on('exit', r));
    second.kill('SIGTERM');
    await exited;
  }
});

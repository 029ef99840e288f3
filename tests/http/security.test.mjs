// Security at the doors: XSS stays inert, CSRF is required, odd input is refused or stored
// verbatim with nothing else changed, limits hold, another member's post is off limits.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, newUser } from './harness.mjs';

let server, owner, member;
before(async () => {
  // Many posts by one new account on purpose: the spam limits (moderation.test.mjs) are off here.
  server = await startServer(['--new-account-posts-per-hour', '0', '--new-account-comments-per-hour', '0', '--new-account-max-links', '0']);
  owner = await newUser(server.base, 'owner');
  member = await newUser(server.base, 'member');
  await owner.post('/api/v1/communities', { slug: 'sec', name: 'Security', description: 'x' });
  await member.post('/api/v1/communities/sec/join', {});
});
after(async () => { await server.stop(); });

const attacks = [
  '<script>alert(1)</script>',
  '<img src=x onerror=alert(1)>',
  '[click](javascript:alert(1))',
  '[click](JaVaScRiPt:alert(1))',
  '<a href="http://x" onclick="alert(1)">x</a>',
  '<iframe src="https://evil.example"></iframe>',
  '![x](javascript:alert(1))',
  '"><svg onload=alert(1)>',
  '<javascript:alert(1)>',
  '```"><script>alert(1)</script>\ncode\n```',
];

function assertInert(page, where) {
  // Our own script tag is the only one a page may carry.
  const html = page.replace('<script src="/static/js/app.js" defer></script>', '');
  assert.ok(!/<script/i.test(html), `${where}: <script> in ${html}`);
  assert.ok(!/<(img|svg|a|iframe|div|p|span)[^>]*\son[a-z]+\s*=/i.test(html), `${where}: event attribute in ${html}`);
  assert.ok(!/(href|src)\s*=\s*["']?\s*javascript:/i.test(html), `${where}: javascript: URL in ${html}`);
  assert.ok(!/<iframe[^>]*evil/i.test(html), `${where}: iframe in ${html}`);
}

test('XSS in every Markdown and text field comes back inert, in the API and on the pages', async () => {
  for (const attack of attacks) {
    const c = await owner.patch('/api/v1/communities/sec', { description: attack, rules_md: attack, name: `n ${attack}`.slice(0, 80) });
    assert.equal(c.status, 200);
    assertInert(c.data.community.rules_html, 'rules_html');
    const p = await member.post('/api/v1/communities/sec/posts', { title: attack, body_md: attack, tags: ['xss'] });
    assert.equal(p.status, 201, attack);
    assertInert(p.data.post.body_html, 'body_html');
    const cm = await owner.post(`/api/v1/posts/${p.data.post.id}/comments`, { body_md: attack });
    assertInert(cm.data.comment.body_html, 'comment');
    const page = await new Client(server.base).get(`/p/${p.data.post.id}`);
    assert.equal(page.status, 200);
    assertInert(page.text, `post page for ${attack}`);
    const home = await new Client(server.base).get('/c/sec');
    assertInert(home.text, 'community page');
    const dir = await new Client(server.base).get('/');
    assertInert(dir.text, 'directory');
  }
  const profile = await member.patch('/api/v1/me', { display_name: '<script>alert(1)</script>', bio: '<img src=x onerror=alert(1)>' });
  assert.equal(profile.status, 200);
  const page = await new Client(server.base).get(`/u/${member.username}`);
  assertInert(page.text, 'profile page');
  assert.match(page.text, /&lt;script&gt;/);
});

test('pages send a Content-Security-Policy', async () => {
  const r = await new Client(server.base).get('/');
  assert.match(r.headers.get('content-security-policy'), /script-src 'self'/);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
});

test('state-changing forms without a CSRF token get 403', async () => {
  const browser = new Client(server.base);
  const login = await browser.post('/api/v1/auth/login', { login: member.username, password: 'correct horse battery' });
  assert.equal(login.status, 200);
  assert.equal((await browser.request('POST', '/c/sec/leave', { form: {} })).status, 403);
  assert.equal((await browser.request('POST', '/c/sec/leave', { form: { _csrf: 'forged-token-forged-token-forged-token' } })).status, 403);
  // Cookie-authenticated API writes a cross-site form could send (text/plain, form bodies) need
  // the X-CSRF-Token header; JSON cannot be sent cross-site without a preflight.
  const body = JSON.stringify({ slug: 'csrf-api', name: 'x' });
  const forged = await browser.request('POST', '/api/v1/communities', { raw: body, headers: { 'Content-Type': 'text/plain' } });
  assert.equal(forged.status, 403);
  const forgedForm = await browser.request('POST', '/api/v1/communities/sec/leave', { form: { a: '1' } });
  assert.equal(forgedForm.status, 403);
  const token = await browser.csrfFrom('/settings');
  assert.ok(token);
  const ok = await browser.request('POST', '/api/v1/communities', { raw: body, headers: { 'Content-Type': 'text/plain', 'X-CSRF-Token': token } });
  assert.equal(ok.status, 400, 'past CSRF, the body is not JSON');
  const json = await browser.post('/api/v1/communities', { slug: 'csrf-api', name: 'x' });
  assert.equal(json.status, 201);
  // The anonymous sign-up form needs the double-submit token.
  const anon = new Client(server.base);
  const r = await anon.request('POST', '/signup', { form: { email: 'x@example.com', username: 'csrfless', password: 'long enough pw' } });
  assert.equal(r.status, 403);
  const formToken = await anon.csrfFrom('/signup');
  const r2 = await anon.request('POST', '/signup', { form: { _csrf: formToken, email: 'x@example.com', username: 'withcsrf', password: 'long enough pw' } });
  assert.equal(r2.status, 303);
});

test("a member cannot edit or delete another member's post", async () => {
  const p = await owner.post('/api/v1/communities/sec/posts', { title: 'Owner post', body_md: 'x' });
  const id = p.data.post.id;
  assert.equal((await member.patch(`/api/v1/posts/${id}`, { title: 'mine now' })).status, 403);
  assert.equal((await member.del(`/api/v1/posts/${id}`)).status, 403);
  const browser = new Client(server.base);
  await browser.post('/api/v1/auth/login', { login: member.username, password: 'correct horse battery' });
  const token = await browser.csrfFrom(`/p/${id}`);
  assert.equal((await browser.request('POST', `/p/${id}/delete`, { form: { _csrf: token } })).status, 403);
  assert.equal((await new Client(server.base).get(`/api/v1/posts/${id}`)).data.post.title, 'Owner post');
});

test('odd text is stored verbatim or refused with 400, and nothing else changes', async () => {
  const count = async () => (await new Client(server.base).get('/api/v1/communities/sec/posts?limit=100')).data.posts.length;
  const before = await count();
  const verbatim = ["it's \"quoted\"", "'; DROP TABLE posts; --", 'Robert\'); DROP TABLE users;--', '知识付费 🚀 \\ %s %n'];
  for (const title of verbatim) {
    const r = await member.post('/api/v1/communities/sec/posts', { title, body_md: title });
    assert.equal(r.status, 201);
    const got = await new Client(server.base).get(`/api/v1/posts/${r.data.post.id}`);
    assert.equal(got.data.post.title, title);
    assert.equal(got.data.post.body_md, title);
  }
  assert.equal(await count(), before + verbatim.length);

  const nul = await member.request('POST', '/api/v1/communities/sec/posts', {
    raw: '{"title":"a\\u0000b","body_md":"x"}', headers: { 'Content-Type': 'application/json' } });
  assert.equal(nul.status, 400);
  const bigBody = await member.post('/api/v1/communities/sec/posts', { title: 'big', body_md: 'x'.repeat(1_000_000) });
  assert.equal(bigBody.status, 400);
  assert.equal(bigBody.data.error.code, 'content.body_too_long');
  const bigTitle = await member.post('/api/v1/communities/sec/posts', { title: 'x'.repeat(1000), body_md: 'x' });
  assert.equal(bigTitle.status, 400);
  const badUtf8 = await member.request('POST', '/api/v1/communities/sec/posts', {
    raw: Buffer.concat([Buffer.from('{"title":"'), Buffer.from([0xff, 0xfe]), Buffer.from('","body_md":"x"}')]),
    headers: { 'Content-Type': 'application/json' } });
  assert.equal(badUtf8.status, 400);
  const huge = await member.request('POST', '/api/v1/communities/sec/posts', {
    raw: JSON.stringify({ title: 'x', body_md: 'y'.repeat(3_000_000) }), headers: { 'Content-Type': 'application/json' } });
  assert.equal(huge.status, 413);
  const wrongType = await member.post('/api/v1/communities/sec/posts', { title: 42, body_md: 'x' });
  assert.equal(wrongType.status, 400);
  assert.equal(wrongType.data.error.fields.title, 'request.invalid_field');
  assert.equal(await count(), before + verbatim.length);
  // The server is still healthy.
  assert.equal((await new Client(server.base).get('/healthz')).status, 200);
});

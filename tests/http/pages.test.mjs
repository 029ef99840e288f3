// The pages, driven like a browser without JavaScript: forms with CSRF tokens, redirects,
// languages, static files, and the server's edges (request ids, limits, shutdown).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client } from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

async function signUpByForm(name) {
  const browser = new Client(server.base);
  const csrf = await browser.csrfFrom('/signup');
  const r = await browser.request('POST', '/signup', {
    form: { _csrf: csrf, email: `${name}@example.com`, username: name, password: 'pages password', next: '/' } });
  assert.equal(r.status, 303);
  assert.ok(browser.cookies.has('gh_session'));
  browser.username = name;
  return browser;
}

test('sign up, create a community, post, comment, all through forms', async () => {
  const alice = await signUpByForm('alicepages');
  let csrf = await alice.csrfFrom('/communities/new');
  const created = await alice.request('POST', '/communities/new', {
    form: { _csrf: csrf, name: 'Page Club', slug: 'page-club', description: 'Made by a form', rules_md: '**be kind**', visibility: 'public' } });
  assert.equal(created.status, 303);
  assert.equal(created.headers.get('location'), '/c/page-club');
  const home = await alice.get('/c/page-club');
  assert.match(home.text, /Page Club/);
  assert.match(home.text, /<strong>be kind<\/strong>/);

  csrf = await alice.csrfFrom('/c/page-club/new');
  const preview = await alice.request('POST', '/c/page-club/new', {
    form: { _csrf: csrf, title: 'Hello', kind: 'tutorial', body_md: '| a |\n|---|\n| 1 |', preview: '1' } });
  assert.equal(preview.status, 200);
  assert.match(preview.text, /<table>/);
  const posted = await alice.request('POST', '/c/page-club/new', {
    form: { _csrf: csrf, title: 'Hello pages', kind: 'tutorial', body_md: '```rust\nfn main() {}\n```', tags_text: 'rust, intro', publish: '1' } });
  assert.equal(posted.status, 303);
  const postUrl = posted.headers.get('location');
  assert.match(postUrl, /^\/p\/\d+$/);
  const page = await alice.get(postUrl);
  assert.match(page.text, /<code class="language-rust">/);
  assert.match(page.text, /tok-kw/);
  assert.match(page.text, /#rust/);

  // An invalid form is re-rendered with the field error and the typed values kept.
  const invalid = await alice.request('POST', '/c/page-club/new', { form: { _csrf: csrf, title: '', kind: 'discussion', body_md: 'kept text', publish: '1' } });
  assert.equal(invalid.status, 400);
  assert.match(invalid.text, /kept text/);
  assert.match(invalid.text, /field-error/);

  const bob = await signUpByForm('bobpages');
  csrf = await bob.csrfFrom('/c/page-club');
  assert.equal((await bob.request('POST', '/c/page-club/join', { form: { _csrf: csrf } })).status, 303);
  csrf = await bob.csrfFrom(postUrl);
  const commented = await bob.request('POST', `${postUrl}/comments`, { form: { _csrf: csrf, body_md: 'Nice *tutorial*' } });
  assert.equal(commented.status, 303);
  const withComment = await new Client(server.base).get(postUrl);
  assert.match(withComment.text, /Nice <em>tutorial<\/em>/);

  // Drafts stay on the author's drafts page only.
  csrf = await alice.csrfFrom('/c/page-club/new');
  const draft = await alice.request('POST', '/c/page-club/new', { form: { _csrf: csrf, title: 'Unfinished', kind: 'discussion', body_md: 'wip', save_draft: '1' } });
  assert.equal(draft.status, 303);
  assert.match((await alice.get('/c/page-club/drafts')).text, /Unfinished/);
  assert.doesNotMatch((await bob.get('/c/page-club/drafts')).text, /Unfinished/);
  assert.equal((await bob.get(draft.headers.get('location'))).status, 404);

  // Log out ends the session.
  csrf = await alice.csrfFrom('/');
  assert.equal((await alice.request('POST', '/logout', { form: { _csrf: csrf } })).status, 303);
  assert.equal((await alice.get('/settings')).status, 303);
});

test('wrong passwords re-render the log-in form; protected pages redirect to it', async () => {
  await signUpByForm('carolpages');
  const browser = new Client(server.base);
  const csrf = await browser.csrfFrom('/login');
  const r = await browser.request('POST', '/login', { form: { _csrf: csrf, login: 'carolpages', password: 'wrong password' } });
  assert.equal(r.status, 401);
  assert.match(r.text, /alert-error/);
  const redirect = await new Client(server.base).get('/communities/new');
  assert.equal(redirect.status, 303);
  assert.equal(redirect.headers.get('location'), '/login?next=%2Fcommunities%2Fnew');
});

test('pages speak English and Chinese, by Accept-Language and by the switch', async () => {
  const en = await new Client(server.base).get('/');
  assert.match(en.text, /Explore communities/);
  assert.match(en.text, /<html lang="en">/);
  const zh = await new Client(server.base).get('/', { headers: { 'Accept-Language': 'zh-CN,zh;q=0.9,en;q=0.8' } });
  assert.match(zh.text, /发现社群/);
  assert.match(zh.text, /<html lang="zh-CN">/);
  const browser = new Client(server.base);
  const sw = await browser.get('/lang/zh-CN?next=/signup');
  assert.equal(sw.status, 303);
  assert.equal(sw.headers.get('location'), '/signup');
  assert.match((await browser.get('/signup')).text, /创建账号/);
  assert.equal((await browser.get('/lang/en?next=https://evil.example')).headers.get('location'), '/');
  assert.equal((await browser.get('/lang/klingon')).status, 404);
});

test('static files carry ETag and Cache-Control, answer 304, and never leave their folder', async () => {
  const c = new Client(server.base);
  const css = await c.get('/static/css/app.css');
  if (css.status === 404) return; // No stylesheet in this tree yet.
  assert.equal(css.status, 200);
  const etag = css.headers.get('etag');
  assert.ok(etag);
  assert.match(css.headers.get('cache-control'), /max-age/);
  assert.equal((await c.get('/static/css/app.css', { headers: { 'If-None-Match': etag } })).status, 304);
  for (const path of ['/static/../CMakeLists.txt', '/static/%2e%2e/CMakeLists.txt', '/static/css/../../README.md', '/static/']) {
    assert.equal((await c.get(path)).status, 404, path);
  }
});

test('server edges: health, request ids, 404/405, HEAD, body limit', async () => {
  const c = new Client(server.base);
  const health = await c.get('/healthz');
  assert.equal(health.status, 200);
  assert.equal(health.data.status, 'ok');
  const withId = await c.get('/healthz', { headers: { 'X-Request-Id': 'test-req-123' } });
  assert.equal(withId.headers.get('x-request-id'), 'test-req-123');
  assert.ok((await c.get('/healthz')).headers.get('x-request-id'));
  const missing = await c.get('/api/v1/nothing-here');
  assert.equal(missing.status, 404);
  assert.equal(missing.data.error.code, 'http.not_found');
  assert.equal((await c.get('/no/such/page')).status, 404);
  const wrongMethod = await c.request('PUT', '/api/v1/communities', { json: {} });
  assert.equal(wrongMethod.status, 405);
  const head = await c.request('HEAD', '/');
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
  const big = await c.request('POST', '/api/v1/auth/login', { raw: 'x'.repeat(2 * 1024 * 1024), headers: { 'Content-Type': 'application/json' } });
  assert.equal(big.status, 413);
  const hugeHeader = await c.get('/healthz', { headers: { 'X-Big': 'y'.repeat(64 * 1024) } }).catch(() => ({ status: 431 }));
  assert.equal(hugeHeader.status, 431);
});

test('SIGTERM lets the server finish and exit cleanly', async () => {
  const own = await startServer();
  assert.equal((await new Client(own.base).get('/healthz')).status, 200);
  const code = await own.stop();
  assert.equal(code, 0);
  assert.match(own.stderr(), /stopped/);
});

test('the anonymous page cache counts views, shows writes at once, and leaks no token', async () => {
  const owner = await signUpByForm('cacheowner');
  let csrf = await owner.csrfFrom('/communities/new');
  await owner.request('POST', '/communities/new', { form: { _csrf: csrf, name: 'Cache', slug: 'cache-club', visibility: 'public' } });
  csrf = await owner.csrfFrom('/c/cache-club/new');
  const posted = await owner.request('POST', '/c/cache-club/new', { form: { _csrf: csrf, title: 'Cached', kind: 'discussion', body_md: 'x', publish: '1' } });
  const url = posted.headers.get('location');
  const id = url.split('/').pop();
  for (let i = 0; i < 5; i++) {
    const page = await new Client(server.base).get(url);
    assert.equal(page.status, 200);
    assert.doesNotMatch(page.text, /gh-csrf-placeholder/);
    assert.equal(page.headers.getSetCookie().length, 0, 'a page without forms sets no cookie');
  }
  const api = await new Client(server.base).get(`/api/v1/posts/${id}`);
  assert.ok(api.data.post.view_count >= 6, `views counted on cache hits: ${api.data.post.view_count}`);
  csrf = await owner.csrfFrom(url);
  await owner.request('POST', `${url}/comments`, { form: { _csrf: csrf, body_md: 'fresh comment' } });
  assert.match((await new Client(server.base).get(url)).text, /fresh comment/);
  for (const path of ['/', '/c/cache-club', '/signup', '/login']) {
    const page = await new Client(server.base).get(path);
    assert.doesNotMatch(page.text, /gh-csrf-placeholder/, path);
  }
});

// The JSON API end to end: the real binary, a real database (SQLite, or PostgreSQL when
// GH_TEST_PG is set), over HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, newUser } from './harness.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server.stop(); });

test('sign-up returns the user and a token; duplicates and bad input are refused', async () => {
  const anon = new Client(server.base);
  const r = await anon.post('/api/v1/auth/signup', { email: 'Ada@Example.com', username: 'ada', password: 'analytical engine' });
  assert.equal(r.status, 201);
  assert.equal(r.data.user.username, 'ada');
  assert.equal(r.data.user.email, 'Ada@Example.com');
  assert.match(r.data.token, /^gh_/);
  assert.ok(r.headers.getSetCookie().some((c) => /gh_session=.*HttpOnly/i.test(c) && /SameSite=Lax/i.test(c)));

  const dup = await anon.post('/api/v1/auth/signup', { email: 'other@example.com', username: 'ADA', password: 'analytical engine' });
  assert.equal(dup.status, 409);
  assert.equal(dup.data.error.code, 'identity.username_taken');
  assert.equal(dup.data.error.fields.username, 'identity.username_taken');
  const dupEmail = await anon.post('/api/v1/auth/signup', { email: 'ada@example.COM', username: 'ada2', password: 'analytical engine' });
  assert.equal(dupEmail.status, 409);
  assert.equal(dupEmail.data.error.code, 'identity.email_taken');

  for (const [body, code] of [
    [{ email: 'nope', username: 'bob_1', password: 'long enough' }, 'identity.invalid_email'],
    [{ email: 'b@example.com', username: 'b', password: 'long enough' }, 'identity.invalid_username'],
    [{ email: 'b@example.com', username: 'bob_1', password: 'short' }, 'identity.weak_password'],
    [{ email: 'b@example.com', username: 'bob 1', password: 'long enough' }, 'identity.invalid_username'],
  ]) {
    const bad = await anon.post('/api/v1/auth/signup', body);
    assert.equal(bad.status, 400, JSON.stringify(body));
    assert.equal(bad.data.error.code, code);
  }
  const notJson = await anon.request('POST', '/api/v1/auth/signup', { raw: '{nope', headers: { 'Content-Type': 'application/json' } });
  assert.equal(notJson.status, 400);
  assert.equal(notJson.data.error.code, 'request.invalid_json');
});

test('log-in by e-mail or username, sessions, /me and log-out', async () => {
  const anon = new Client(server.base);
  await anon.post('/api/v1/auth/signup', { email: 'grace@example.com', username: 'grace', password: 'cobol forever' });
  const browser = new Client(server.base);
  const byEmail = await browser.post('/api/v1/auth/login', { login: 'GRACE@example.com', password: 'cobol forever' });
  assert.equal(byEmail.status, 200);
  assert.equal(byEmail.data.user.username, 'grace');
  assert.ok(byEmail.data.token);
  assert.ok(browser.cookies.has('gh_session'));
  const me = await browser.get('/api/v1/me');
  assert.equal(me.status, 200);
  assert.equal(me.data.user.username, 'grace');

  const byName = await new Client(server.base).post('/api/v1/auth/login', { login: 'grace', password: 'cobol forever' });
  assert.equal(byName.status, 200);
  const viaToken = await new Client(server.base, { token: byName.data.token }).get('/api/v1/me');
  assert.equal(viaToken.data.user.username, 'grace');

  const wrong = await new Client(server.base).post('/api/v1/auth/login', { login: 'grace', password: 'nope nope' });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.data.error.code, 'identity.bad_credentials');

  // A cross-site "simple" POST riding on the cookie is refused; JSON (which needs a preflight) passes.
  const forged = await browser.request('POST', '/api/v1/auth/logout', { raw: 'x', headers: { 'Content-Type': 'text/plain' } });
  assert.equal(forged.status, 403);
  assert.equal((await browser.get('/api/v1/me')).status, 200);
  assert.equal((await browser.post('/api/v1/auth/logout', {})).status, 200);
  assert.equal((await browser.get('/api/v1/me')).status, 401);
  assert.equal((await new Client(server.base).get('/api/v1/me')).status, 401);
  assert.equal((await new Client(server.base, { token: 'gh_not_a_real_token_at_all' }).get('/api/v1/me')).status, 401);
});

test('failed log-ins are throttled per account with Retry-After', async () => {
  const anon = new Client(server.base);
  await anon.post('/api/v1/auth/signup', { email: 'linus@example.com', username: 'linus', password: 'monolithic kernel' });
  let last;
  for (let i = 0; i < 6; i++) {
    last = await anon.post('/api/v1/auth/login', { login: 'linus', password: `wrong-${i}-password` });
  }
  assert.equal(last.status, 429);
  assert.equal(last.data.error.code, 'identity.too_many_attempts');
  assert.ok(Number(last.headers.get('retry-after')) > 0);
  // Even the right password waits now.
  const right = await anon.post('/api/v1/auth/login', { login: 'linus', password: 'monolithic kernel' });
  assert.equal(right.status, 429);
});

test('communities: create, directory with income, sort and cursor pagination', async () => {
  const owner = await newUser(server.base, 'owner');
  const created = await owner.post('/api/v1/communities', { slug: 'rust-cn', name: 'Rust 中文社区', description: 'Ownership & async' });
  assert.equal(created.status, 201);
  assert.equal(created.data.community.slug, 'rust-cn');
  assert.equal(created.data.community.member_count, 1);
  assert.deepEqual(created.data.community.income, { amount_minor: 0, currency: 'CNY' });

  const usd = await owner.post('/api/v1/communities', { slug: 'go-us', name: 'Gophers', description: 'Go', currency: 'USD' });
  assert.equal(usd.data.community.income.currency, 'USD');
  const badCurrency = await owner.post('/api/v1/communities', { slug: 'bad-cur', name: 'X', currency: 'XXX' });
  assert.equal(badCurrency.status, 400);
  assert.equal(badCurrency.data.error.code, 'money.unknown_currency');
  const taken = await owner.post('/api/v1/communities', { slug: 'rust-cn', name: 'Again' });
  assert.equal(taken.status, 409);
  const badSlug = await owner.post('/api/v1/communities', { slug: 'Bad Slug!', name: 'X' });
  assert.equal(badSlug.status, 400);
  assert.equal(badSlug.data.error.fields.slug, 'community.invalid_slug');
  const anonCreate = await new Client(server.base).post('/api/v1/communities', { slug: 'anon-c', name: 'X' });
  assert.equal(anonCreate.status, 401);

  for (let i = 0; i < 5; i++) {
    await owner.post('/api/v1/communities', { slug: `page-${i}`, name: `Page ${i}` });
  }
  const joiner = await newUser(server.base, 'joiner');
  assert.equal((await joiner.post('/api/v1/communities/page-3/join', {})).status, 200);

  const dir = await new Client(server.base).get('/api/v1/communities?sort=members&limit=3');
  assert.equal(dir.status, 200);
  assert.equal(dir.data.communities.length, 3);
  assert.equal(dir.data.communities[0].slug, 'page-3');
  for (const c of dir.data.communities) {
    for (const k of ['slug', 'name', 'description', 'member_count', 'income']) assert.ok(k in c, k);
  }
  const seen = new Set(dir.data.communities.map((c) => c.slug));
  let cursor = dir.data.next_cursor;
  assert.ok(cursor);
  while (cursor) {
    const next = await new Client(server.base).get(`/api/v1/communities?sort=members&limit=3&cursor=${encodeURIComponent(cursor)}`);
    for (const c of next.data.communities) {
      assert.ok(!seen.has(c.slug), `duplicate ${c.slug}`);
      seen.add(c.slug);
    }
    cursor = next.data.next_cursor;
  }
  assert.ok(seen.has('rust-cn') && seen.has('go-us') && seen.has('page-0'));

  const newest = await new Client(server.base).get('/api/v1/communities?sort=newest&limit=1');
  assert.equal(newest.data.communities[0].slug, 'page-4');
  assert.equal((await new Client(server.base).get('/api/v1/communities?sort=income')).status, 200);
  assert.equal((await new Client(server.base).get('/api/v1/communities?sort=bogus')).status, 400);
  assert.equal((await new Client(server.base).get('/api/v1/communities?cursor=zzz')).status, 400);
});

test('join, leave, members and roles are enforced on the server', async () => {
  const owner = await newUser(server.base, 'own');
  const alice = await newUser(server.base, 'alice');
  const bob = await newUser(server.base, 'bob');
  await owner.post('/api/v1/communities', { slug: 'roles-test', name: 'Roles' });
  await alice.post('/api/v1/communities/roles-test/join', {});
  await bob.post('/api/v1/communities/roles-test/join', {});
  const again = await bob.post('/api/v1/communities/roles-test/join', {});
  assert.equal(again.status, 200);
  const info = await owner.get('/api/v1/communities/roles-test');
  assert.equal(info.data.community.member_count, 3);
  assert.equal(info.data.community.viewer_role, 'owner');

  const members = await new Client(server.base).get('/api/v1/communities/roles-test/members');
  assert.equal(members.data.members[0].role, 'owner');
  assert.equal(members.data.members.length, 3);

  // A member cannot change roles; the owner can; an admin cannot touch admins.
  const denied = await bob.patch(`/api/v1/communities/roles-test/members/${alice.username}`, { role: 'moderator' });
  assert.equal(denied.status, 403);
  const promoted = await owner.patch(`/api/v1/communities/roles-test/members/${alice.username}`, { role: 'admin' });
  assert.equal(promoted.status, 200);
  assert.equal(promoted.data.member.role, 'admin');
  const adminSetsMod = await alice.patch(`/api/v1/communities/roles-test/members/${bob.username}`, { role: 'moderator' });
  assert.equal(adminSetsMod.status, 200);
  const adminMakesAdmin = await alice.patch(`/api/v1/communities/roles-test/members/${bob.username}`, { role: 'admin' });
  assert.equal(adminMakesAdmin.status, 403);
  const ownerTouched = await alice.patch(`/api/v1/communities/roles-test/members/${owner.username}`, { role: 'member' });
  assert.equal(ownerTouched.status, 403);
  const secondOwner = await owner.patch(`/api/v1/communities/roles-test/members/${bob.username}`, { role: 'owner' });
  assert.equal(secondOwner.status, 403);
  const badRole = await owner.patch(`/api/v1/communities/roles-test/members/${bob.username}`, { role: 'king' });
  assert.equal(badRole.status, 400);

  // Only owners and admins edit the community.
  assert.equal((await bob.patch('/api/v1/communities/roles-test', { name: 'Hijacked' })).status, 403);
  const edited = await alice.patch('/api/v1/communities/roles-test', { name: 'Roles & Rules', rules_md: '# Be kind' });
  assert.equal(edited.status, 200);
  assert.match(edited.data.community.rules_html, /<h1>Be kind<\/h1>/);

  assert.equal((await owner.post('/api/v1/communities/roles-test/leave', {})).status, 409);
  assert.equal((await bob.post('/api/v1/communities/roles-test/leave', {})).status, 200);
  const after = await owner.get('/api/v1/communities/roles-test');
  assert.equal(after.data.community.member_count, 2);
});

test('API tokens: create, list, revoke', async () => {
  const user = await newUser(server.base, 'tokens');
  const made = await user.post('/api/v1/me/tokens', { name: 'ci bot' });
  assert.equal(made.status, 201);
  const bot = new Client(server.base, { token: made.data.token });
  assert.equal((await bot.get('/api/v1/me')).status, 200);
  const list = await user.get('/api/v1/me/tokens');
  const entry = list.data.tokens.find((t) => t.name === 'ci bot');
  assert.ok(entry);
  assert.ok(!('token' in entry), 'secrets are never listed');
  const other = await newUser(server.base, 'thief');
  assert.equal((await other.del(`/api/v1/me/tokens/${entry.id}`)).status, 404);
  assert.equal((await user.del(`/api/v1/me/tokens/${entry.id}`)).status, 200);
  assert.equal((await bot.get('/api/v1/me')).status, 401);
  assert.equal((await user.post('/api/v1/me/tokens', { name: '' })).status, 400);
});

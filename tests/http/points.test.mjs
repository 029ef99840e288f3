// Points, levels, leaderboards, point rules, badges and check-in challenges (API and pages).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, newUser } from './harness.mjs';

let server, owner, writer, fan, outsider;
before(async () => {
  // Many posts from brand-new accounts on purpose: the new-account spam limits are off here.
  server = await startServer(['--new-account-posts-per-hour', '0', '--new-account-comments-per-hour', '0', '--new-account-max-links', '0']);
  owner = await newUser(server.base, 'owner');
  writer = await newUser(server.base, 'writer');
  fan = await newUser(server.base, 'fan');
  outsider = await newUser(server.base, 'outsider');
  await owner.post('/api/v1/communities', { slug: 'points', name: 'Points club' });
  for (const u of [writer, fan]) await u.post('/api/v1/communities/points/join', {});
});
after(async () => { await server.stop(); });

async function points(client, community = 'points') {
  const r = await client.get(`/api/v1/me/points?community=${community}`);
  assert.equal(r.status, 200);
  return r.data;
}

test('publishing and upvotes earn points with caps; every balance is its entries; deleting reverses', async () => {
  const ids = [];
  for (let i = 0; i < 7; i++) {
    const r = await writer.post('/api/v1/communities/points/posts', { title: `Post ${i}`, body_md: 'x' });
    assert.equal(r.status, 201);
    ids.push(r.data.post.id);
  }
  let me = await points(writer);
  assert.equal(me.balance, 25, 'post_published: 5 points, at most 25 a day');
  assert.equal(me.balance, me.entries.reduce((sum, e) => sum + e.delta, 0));
  for (const k of ['id', 'community', 'delta', 'reason', 'source_type', 'source_id', 'created_at']) assert.ok(k in me.entries[0], k);

  // No points for self-actions: a self-upvote is refused outright.
  assert.equal((await writer.post(`/api/v1/posts/${ids[0]}/upvote`, {})).status, 403);
  // The same member's upvotes pay at most 5 times a day.
  for (const id of ids) assert.equal((await fan.post(`/api/v1/posts/${id}/upvote`, {})).status, 200);
  me = await points(writer);
  assert.equal(me.balance, 25 + 5 * 2);
  // Un-voting reverses the upvote's points.
  await fan.del(`/api/v1/posts/${ids[0]}/upvote`);
  me = await points(writer);
  assert.equal(me.balance, 25 + 4 * 2);
  assert.equal(me.entries[0].reason, 'upvote_removed');
  assert.ok(me.entries[0].reverses);
  // Deleting a post reverses what it earned.
  await writer.del(`/api/v1/posts/${ids[1]}`);
  me = await points(writer);
  assert.equal(me.balance, 25 + 4 * 2 - 5 - 2);
  assert.equal(me.balance, me.entries.reduce((sum, e) => sum + e.delta, 0));
  const all = await writer.get('/api/v1/me/points');
  assert.equal(all.data.balance, me.balance);
  assert.equal((await new Client(server.base).get('/api/v1/me/points')).status, 401);
});

test('leaderboards per community and period; levels on posts and profiles', async () => {
  for (const period of ['week', 'month', 'all']) {
    const r = await new Client(server.base).get(`/api/v1/communities/points/leaderboard?period=${period}`);
    assert.equal(r.status, 200);
    assert.equal(r.data.entries[0].username, writer.username);
    assert.equal(r.data.entries[0].points, 26);
  }
  const bad = await new Client(server.base).get('/api/v1/communities/points/leaderboard?period=year');
  assert.equal(bad.status, 400);
  const page = await new Client(server.base).get('/c/points/leaderboard?period=week');
  assert.equal(page.status, 200);
  assert.match(page.text, new RegExp(writer.username));

  const feed = await writer.get('/api/v1/communities/points/posts');
  assert.equal(feed.data.posts[0].author.level, 1);
  const badges = await new Client(server.base).get(`/api/v1/users/${writer.username}/badges`);
  assert.equal(badges.status, 200);
  assert.deepEqual(badges.data.badges.map((b) => b.badge), ['first_post']);
  assert.deepEqual(badges.data.levels, [{ community: 'points', points: 26, level: 1 }]);
  const profile = await new Client(server.base).get(`/u/${writer.username}`);
  assert.match(profile.text, /First post/);
  assert.match(profile.text, /Lv1/);
});

test('owners tune point rules by API and by page form (CSRF); members cannot', async () => {
  let r = await fan.request('PUT', '/api/v1/communities/points/point-rules/checkin', { json: { points: 10, daily_cap: 10 } });
  assert.equal(r.status, 403);
  r = await owner.request('PUT', '/api/v1/communities/points/point-rules/checkin', { json: { points: -1, daily_cap: 10 } });
  assert.equal(r.status, 400);
  assert.equal(r.data.error.fields.points, 'points.invalid_points');
  r = await owner.request('PUT', '/api/v1/communities/points/point-rules/checkin', { json: { points: 3, daily_cap: 3 } });
  assert.equal(r.status, 200);
  assert.deepEqual(r.data.rules.find((x) => x.act === 'checkin'), { act: 'checkin', points: 3, daily_cap: 3 });
  r = await new Client(server.base).get('/api/v1/communities/points/point-rules');
  assert.equal(r.data.rules.length, 6);  // post_published, answer_accepted, upvote_received, checkin, lesson_completed, event_attended

  const browser = new Client(server.base);
  const name = `ptowner${Date.now() % 100000}`;
  let csrf = await browser.csrfFrom('/signup');
  await browser.request('POST', '/signup', { form: { _csrf: csrf, email: `${name}@example.com`, username: name, password: 'pages password', next: '/' } });
  csrf = await browser.csrfFrom('/communities/new');
  await browser.request('POST', '/communities/new', { form: { _csrf: csrf, name: 'Rules page', slug: 'rules-page', visibility: 'public' } });
  csrf = await browser.csrfFrom('/c/rules-page/leaderboard');
  assert.ok(csrf);
  const forged = await browser.request('POST', '/c/rules-page/point-rules', { form: { post_published_points: '9', post_published_daily_cap: '9' } });
  assert.equal(forged.status, 403);
  r = await browser.request('POST', '/c/rules-page/point-rules', { form: { _csrf: csrf, post_published_points: '9', post_published_daily_cap: '18' } });
  assert.equal(r.status, 303);
  r = await new Client(server.base).get('/api/v1/communities/rules-page/point-rules');
  assert.deepEqual(r.data.rules.find((x) => x.act === 'post_published'), { act: 'post_published', points: 9, daily_cap: 18 });
  r = await browser.request('POST', '/c/rules-page/point-rules', { form: { _csrf: csrf, post_published_points: '5000', post_published_daily_cap: '1' } });
  assert.equal(r.status, 400);
  assert.match(r.text, /between 0 and 1,000/);
});

test('check-in challenges: owners open them, members check in once per UTC day, streaks shown', async () => {
  const today = new Date().toISOString().slice(0, 10);
  let r = await fan.post('/api/v1/communities/points/challenges', { title: 'Read', starts_on: today, days: 7 });
  assert.equal(r.status, 403);
  r = await owner.post('/api/v1/communities/points/challenges', { title: 'Read', starts_on: 'soon', days: 7 });
  assert.equal(r.status, 400);
  assert.equal(r.data.error.fields.starts_on, 'challenge.invalid_starts_on');
  r = await owner.post('/api/v1/communities/points/challenges', { title: 'Read a page a day', description: 'Any book', starts_on: today, days: 7 });
  assert.equal(r.status, 201);
  const id = r.data.challenge.id;
  assert.equal(r.data.challenge.running, true);

  r = await outsider.post(`/api/v1/challenges/${id}/checkin`, { note: 'hi' });
  assert.equal(r.status, 403);
  r = await fan.post(`/api/v1/challenges/${id}/checkin`, { note: 'Chapter 1' });
  assert.equal(r.status, 201);
  assert.equal(r.data.checkin.day, today);
  assert.equal(r.data.checkin.current_streak, 1);
  assert.equal(r.data.checkin.points, 3);
  r = await fan.post(`/api/v1/challenges/${id}/checkin`, { note: 'again' });
  assert.equal(r.status, 409);
  assert.equal(r.data.error.code, 'challenge.already_checked_in');

  r = await new Client(server.base).get(`/api/v1/challenges/${id}`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.data.challenge.participants.map((p) => [p.username, p.checkins, p.current_streak, p.completed]),
    [[fan.username, 1, 1, false]]);
  r = await new Client(server.base).get('/api/v1/communities/points/challenges');
  assert.equal(r.data.challenges[0].id, id);
  const fanPoints = await points(fan);
  assert.equal(fanPoints.entries[0].reason, 'checkin');
});

test('challenge pages: open one and check in with forms (CSRF)', async () => {
  const browser = new Client(server.base);
  const name = `chowner${Date.now() % 100000}`;
  let csrf = await browser.csrfFrom('/signup');
  await browser.request('POST', '/signup', { form: { _csrf: csrf, email: `${name}@example.com`, username: name, password: 'pages password', next: '/' } });
  csrf = await browser.csrfFrom('/communities/new');
  await browser.request('POST', '/communities/new', { form: { _csrf: csrf, name: 'Daily', slug: 'daily-club', visibility: 'public' } });
  let page = await browser.get('/c/daily-club/challenges');
  assert.match(page.text, /action="\/c\/daily-club\/challenges"/);
  csrf = page.text.match(/name="_csrf" value="([^"]+)"/)[1];
  let r = await browser.request('POST', '/c/daily-club/challenges', { form: { _csrf: csrf, title: '', starts_on: new Date().toISOString().slice(0, 10), days: '5' } });
  assert.equal(r.status, 400);
  r = await browser.request('POST', '/c/daily-club/challenges', { form: { _csrf: csrf, title: 'Ship daily', description: 'One commit', starts_on: new Date().toISOString().slice(0, 10), days: '5' } });
  assert.equal(r.status, 303);
  const url = r.headers.get('location');
  page = await browser.get(url);
  assert.match(page.text, /Ship daily/);
  assert.match(page.text, /action="\/challenges\/\d+\/checkin"/);
  r = await browser.request('POST', `${url}/checkin`, { form: { note: 'no token' } });
  assert.equal(r.status, 403);
  // A bad note: the page again, with the error and the note as typed.
  r = await browser.request('POST', `${url}/checkin`, { form: { _csrf: csrf, note: `LONG${'x'.repeat(600)}` } });
  assert.equal(r.status, 400);
  assert.match(r.text, /class="alert alert-error"/);
  assert.match(r.text, /value="LONGxxx/);
  assert.match(r.text, /Ship daily/);
  r = await browser.request('POST', `${url}/checkin`, { form: { _csrf: csrf, note: 'first commit' } });
  assert.equal(r.status, 303);
  page = await browser.get(url);
  assert.match(page.text, /You checked in today/);
  assert.doesNotMatch(page.text, /action="\/challenges\/\d+\/checkin"/);
  r = await browser.request('POST', `${url}/checkin`, { form: { _csrf: csrf, note: 'again' } });
  assert.equal(r.status, 409);
  assert.match(r.text, /class="alert alert-error"/, 'the challenge page says why');
  assert.match(r.text, /Ship daily/);
  page = await browser.get('/me/points');
  assert.equal(page.status, 200);
  assert.match(page.text, /Check-in/);
  const zh = await browser.get('/me/points', { headers: { 'Accept-Language': 'zh-CN' } });
  assert.equal(zh.status, 200);
});

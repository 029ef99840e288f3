// Q&A: accepted answers, answer votes, ordering, answered / unanswered, bounties (API and
// page forms with CSRF).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startServer, Client, newUser, sql } from './harness.mjs';

let server, owner, asker, alice, bob, outsider;
before(async () => {
  // Many posts from brand-new accounts on purpose: the new-account spam limits are off here.
  server = await startServer(['--new-account-posts-per-hour', '0', '--new-account-comments-per-hour', '0', '--new-account-max-links', '0']);
  owner = await newUser(server.base, 'owner');
  asker = await newUser(server.base, 'asker');
  alice = await newUser(server.base, 'alice');
  bob = await newUser(server.base, 'bob');
  outsider = await newUser(server.base, 'outsider');
  await owner.post('/api/v1/communities', { slug: 'qaclub', name: 'Q&A club' });
  for (const u of [asker, alice, bob]) await u.post('/api/v1/communities/qaclub/join', {});
});
after(async () => { await server.stop(); });

async function ask(title = 'How do I move a unique_ptr?', extra = {}) {
  const r = await asker.post('/api/v1/communities/qaclub/posts', { title, body_md: 'Details', kind: 'question', ...extra });
  return r;
}
async function answer(who, postId, body = 'Use std::move.') {
  const r = await who.post(`/api/v1/posts/${postId}/comments`, { body_md: body });
  assert.equal(r.status, 201);
  return r.data.comment.id;
}

test('the asker accepts one answer; accepting another moves it; rules are enforced', async () => {
  const q = await ask();
  assert.equal(q.status, 201);
  assert.equal(q.data.post.answered, false);
  const id = q.data.post.id;
  const a = await answer(alice, id);
  const b = await answer(bob, id);
  const own = await answer(asker, id);

  let r = await bob.post(`/api/v1/comments/${a}/accept`, {});
  assert.equal(r.status, 403);
  assert.equal(r.data.error.code, 'qa.not_asker');
  r = await asker.post(`/api/v1/comments/${own}/accept`, {});
  assert.equal(r.status, 403);
  assert.equal(r.data.error.code, 'qa.own_answer');
  r = await asker.post(`/api/v1/comments/${a}/accept`, {});
  assert.equal(r.status, 200);
  assert.equal(r.data.accepted, true);
  assert.equal(r.data.points, 15);
  assert.deepEqual(r.data.new_badges, ['first_accepted']);

  let got = await new Client(server.base).get(`/api/v1/posts/${id}`);
  assert.equal(got.data.post.answered, true);
  assert.equal(got.data.post.accepted_comment_id, a);

  r = await asker.post(`/api/v1/comments/${b}/accept`, {});
  assert.equal(r.status, 200);
  assert.equal(r.data.previous_comment_id, a);
  const comments = (await asker.get(`/api/v1/posts/${id}/comments`)).data.comments;
  assert.deepEqual(comments.filter((c) => c.accepted).map((c) => c.id), [b]);
  assert.equal(comments[0].id, b);

  r = await asker.del(`/api/v1/comments/${b}/accept`);
  assert.equal(r.status, 200);
  got = await asker.get(`/api/v1/posts/${id}`);
  assert.equal(got.data.post.answered, false);

  // A moderator (the owner) may accept too.
  r = await owner.post(`/api/v1/comments/${a}/accept`, {});
  assert.equal(r.status, 200);

  // Discussions have no accepted answers.
  const d = await asker.post('/api/v1/communities/qaclub/posts', { title: 'Chat', body_md: 'x' });
  const c = await answer(alice, d.data.post.id);
  r = await asker.post(`/api/v1/comments/${c}/accept`, {});
  assert.equal(r.status, 400);
  assert.equal(r.data.error.code, 'qa.not_a_question');
});

test('answers are voted once per member, never their own; order is accepted, votes, time', async () => {
  const q = await ask('Which allocator?');
  const id = q.data.post.id;
  const first = await answer(alice, id, 'first');
  const second = await answer(bob, id, 'second');
  const third = await answer(owner, id, 'third');
  let r = await alice.post(`/api/v1/comments/${first}/upvote`, {});
  assert.equal(r.status, 403);
  assert.equal(r.data.error.code, 'content.self_vote');
  r = await outsider.post(`/api/v1/comments/${first}/upvote`, {});
  assert.equal(r.status, 403);
  for (const u of [alice, asker]) {
    r = await u.post(`/api/v1/comments/${third}/upvote`, {});
    assert.equal(r.status, 200);
  }
  r = await asker.post(`/api/v1/comments/${third}/upvote`, {});
  assert.deepEqual(r.data, { upvotes: 2, upvoted: true });
  await asker.post(`/api/v1/comments/${second}/upvote`, {});
  let list = (await asker.get(`/api/v1/posts/${id}/comments`)).data.comments;
  assert.deepEqual(list.map((c) => c.id), [third, second, first]);
  assert.equal(list[0].upvoted, true);
  await asker.post(`/api/v1/comments/${first}/accept`, {});
  list = (await new Client(server.base).get(`/api/v1/posts/${id}/comments`)).data.comments;
  assert.deepEqual(list.map((c) => c.id), [first, third, second]);
  r = await asker.del(`/api/v1/comments/${third}/upvote`);
  assert.deepEqual(r.data, { upvotes: 1, upvoted: false });
});

test('bounties: refused when short, held, paid once on acceptance', async () => {
  const poor = await ask('Bounty without points', { bounty_points: 10000 });
  assert.equal(poor.status, 409);
  assert.equal(poor.data.error.code, 'points.insufficient');
  // The asker has earned points by now (posts published, answers upvoted).
  const before = (await asker.get('/api/v1/me/points?community=qaclub')).data.balance;
  assert.ok(before >= 10, `balance ${before}`);
  const q = await ask('Bounty question', { bounty_points: 8, bounty_days: 3 });
  assert.equal(q.status, 201, q.text);
  const id = q.data.post.id;
  let b = await new Client(server.base).get(`/api/v1/posts/${id}/bounty`);
  assert.equal(b.data.bounty.points, 8);
  assert.equal(b.data.bounty.status, 'open');
  const held = (await asker.get('/api/v1/me/points?community=qaclub')).data;
  assert.equal(held.balance, before + 5 - 8);
  assert.equal(held.entries[0].reason, 'bounty_hold');
  const again = await asker.post(`/api/v1/posts/${id}/bounty`, { points: 1 });
  assert.equal(again.status, 409);
  assert.equal(again.data.error.code, 'qa.bounty_exists');

  const a = await answer(bob, id);
  const bobBefore = (await bob.get('/api/v1/me/points?community=qaclub')).data.balance;
  const r = await asker.post(`/api/v1/comments/${a}/accept`, {});
  assert.equal(r.data.bounty_paid, 8);
  const bobAfter = (await bob.get('/api/v1/me/points?community=qaclub')).data;
  assert.equal(bobAfter.balance, bobBefore + 8 + r.data.points);
  assert.ok(bobAfter.entries.some((e) => e.reason === 'bounty_paid' && e.source_id === id));
  b = await bob.get(`/api/v1/posts/${id}/bounty`);
  assert.equal(b.data.bounty.status, 'paid');
});

test('an unanswered bounty goes back to the asker after its deadline (the server sweeps)', async () => {
  const q = await ask('Nobody knows', { bounty_points: 3 });
  assert.equal(q.status, 201, q.text);
  const id = q.data.post.id;
  const mid = (await asker.get('/api/v1/me/points?community=qaclub')).data.balance;
  sql(server, `UPDATE bounties SET deadline_at = 1 WHERE post_id = ${id}`);
  let status = 'open';
  for (let i = 0; i < 30 && status === 'open'; i++) {
    await sleep(500);
    status = (await asker.get(`/api/v1/posts/${id}/bounty`)).data.bounty.status;
  }
  assert.equal(status, 'returned');
  const after = (await asker.get('/api/v1/me/points?community=qaclub')).data;
  assert.equal(after.balance, mid + 3);
  assert.equal(after.entries[0].reason, 'bounty_returned');
  // ...and the asker is told, with a link to the question.
  const notes = (await asker.get('/api/v1/me/notifications')).data.notifications;
  const returned = notes.filter((n) => n.kind === 'bounty_returned');
  assert.equal(returned.length, 1);
  assert.equal(returned[0].title, 'Nobody knows');
  assert.equal(returned[0].link, `/p/${id}`);
  // The asker's first post also earned a badge, announced once and translated on the page.
  assert.equal(notes.filter((n) => n.kind === 'badge' && n.title === 'first_post').length, 1);
  const page = await asker.get('/notifications');
  assert.match(page.text, /First post/);
});

test('question pages: answered marker, accept and vote buttons work without JS (CSRF forms)', async () => {
  const browser = new Client(server.base);
  const name = `qapage${Date.now() % 100000}`;
  let csrf = await browser.csrfFrom('/signup');
  await browser.request('POST', '/signup', { form: { _csrf: csrf, email: `${name}@example.com`, username: name, password: 'pages password', next: '/' } });
  csrf = await browser.csrfFrom('/c/qaclub');
  await browser.request('POST', '/c/qaclub/join', { form: { _csrf: csrf } });
  csrf = await browser.csrfFrom('/c/qaclub/new?kind=question');
  const created = await browser.request('POST', '/c/qaclub/new', { form: { _csrf: csrf, title: 'Page question', kind: 'question', body_md: 'Why?', publish: '1' } });
  assert.equal(created.status, 303);
  const url = created.headers.get('location');
  const id = Number(url.split('/').pop());
  const a = await answer(alice, id, 'Because.');

  let page = await browser.get(url);
  assert.match(page.text, /Unanswered/);
  assert.match(page.text, new RegExp(`action="/comments/${a}/accept"`));
  assert.match(page.text, new RegExp(`action="/comments/${a}/upvote"`));
  assert.match(page.text, /Lv\d/);

  csrf = await browser.csrfFrom(url);
  // Without the CSRF token, the form is refused.
  const forged = await browser.request('POST', `/comments/${a}/upvote`, { form: { next: url } });
  assert.equal(forged.status, 403);
  let r = await browser.request('POST', `/comments/${a}/upvote`, { form: { _csrf: csrf, next: url } });
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), `${url}#comment-${a}`);
  r = await browser.request('POST', `/comments/${a}/accept`, { form: { _csrf: csrf, next: url } });
  assert.equal(r.status, 303);
  page = await browser.get(url);
  assert.match(page.text, /is-accepted/);
  assert.match(page.text, /✓ Answered/);
  assert.match(page.text, /name="undo" value="1"/);
  const comments = (await alice.get(`/api/v1/posts/${id}/comments`)).data.comments;
  assert.equal(comments[0].upvotes, 1);
  assert.equal(comments[0].accepted, true);
  // The community feed marks it answered.
  const feed = await new Client(server.base).get('/c/qaclub');
  assert.match(feed.text, /Answered/);
  // Others see no accept button.
  const other = await new Client(server.base).get(url);
  assert.doesNotMatch(other.text, /action="\/comments\/\d+\/accept"/);

  // A bounty offered later through the page form needs points: refused, and the question page
  // says why with the form as typed.
  r = await browser.request('POST', `/p/${id}/bounty`, { form: { _csrf: csrf, points: '999', days: '7' } });
  assert.equal(r.status, 409);
  assert.match(r.text, /class="alert alert-error"/);
  assert.match(r.text, /Page question/);
  // A comment refused (too long) keeps what was written.
  const long = `KEEP${'y'.repeat(20000)}`;
  r = await browser.request('POST', `/p/${id}/comments`, { form: { _csrf: csrf, body_md: long } });
  assert.equal(r.status, 400);
  assert.match(r.text, /class="alert alert-error"/);
  assert.ok(r.text.includes(`>${long}</textarea>`));
});

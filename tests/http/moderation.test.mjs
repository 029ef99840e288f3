// Moderation over HTTP: reports, the queue, hiding (checked at every door), warnings, mutes and
// bans enforced at the API and on the pages, the audit log, and the spam limits of new accounts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, newUser, sql } from './harness.mjs';

let server, owner, mod, member, reporter, outsider;

// A cookie session for the page doors.
async function browserFor(user) {
  const browser = new Client(server.base);
  const res = await browser.post('/api/v1/auth/login', { login: user.username, password: 'correct horse battery' });
  assert.equal(res.status, 200, res.text);
  return browser;
}

// Lets an account be older than a day, so the new-account limits do not get in the way.
function age(user) {
  sql(server, `UPDATE users SET created_at = ${Date.now() - 3 * 86400000} WHERE id = ${user.user.id}`);
}

async function publish(client, title, extra = {}) {
  const res = await client.post('/api/v1/communities/mods/posts', { title, body_md: `body of ${title}`, tags: ['news'], ...extra });
  assert.equal(res.status, 201, res.text);
  return res.data.post;
}

before(async () => {
  server = await startServer();
  owner = await newUser(server.base, 'owner');
  mod = await newUser(server.base, 'mod');
  member = await newUser(server.base, 'member');
  reporter = await newUser(server.base, 'reporter');
  outsider = await newUser(server.base, 'outsider');
  assert.equal((await owner.post('/api/v1/communities', { slug: 'mods', name: 'Mods Club' })).status, 201);
  for (const u of [mod, member, reporter]) {
    assert.equal((await u.post('/api/v1/communities/mods/join', {})).status, 200);
    age(u);
  }
  assert.equal((await owner.patch(`/api/v1/communities/mods/members/${mod.username}`, { role: 'moderator' })).status, 200);
});
after(async () => { await server.stop(); });

test('reports: 201, one open per reporter and target, nothing of the content in the answer', async () => {
  const post = await publish(member, 'Reported post');
  const res = await reporter.post('/api/v1/reports', { target_type: 'post', target_id: post.id, reason: 'spam' });
  assert.equal(res.status, 201, res.text);
  assert.deepEqual(Object.keys(res.data.report).sort(), ['community', 'created_at', 'id', 'reason', 'resolved_at', 'status', 'target_id', 'target_type']);
  const again = await reporter.post('/api/v1/reports', { target_type: 'post', target_id: post.id, reason: 'spam!' });
  assert.equal(again.status, 409);
  assert.equal(again.data.error.code, 'moderation.already_reported');
  assert.equal((await reporter.post('/api/v1/reports', { target_type: 'post', target_id: post.id, reason: '' })).status, 400);
  assert.equal((await new Client(server.base).post('/api/v1/reports', { target_type: 'post', target_id: post.id, reason: 'x' })).status, 401);
  const user = await reporter.post('/api/v1/reports', { target_type: 'user', target_id: member.user.id, community: 'mods', reason: 'rude' });
  assert.equal(user.status, 201, user.text);

  // A paid post: an outsider may report what they can see (the preview), and learns nothing more.
  const paid = await publish(owner, 'Members only', { body_md: 'teaser\n<!-- paywall -->\nTOPSECRET', visibility: 'members' });
  const paidReport = await outsider.post('/api/v1/reports', { target_type: 'post', target_id: paid.id, reason: 'bad' });
  assert.equal(paidReport.status, 201);
  assert.ok(!paidReport.text.includes('TOPSECRET'));

  // The queue: moderators only, grouped by target, newest first.
  assert.equal((await member.get('/api/v1/communities/mods/moderation/queue')).status, 403);
  const queue = await mod.get('/api/v1/communities/mods/moderation/queue');
  assert.equal(queue.status, 200);
  assert.deepEqual(queue.data.items.map((i) => i.target_type), ['post', 'user', 'post']);
  assert.equal(queue.data.items[2].target_id, post.id);
  assert.equal(queue.data.items[2].reports[0].reporter.username, reporter.username);

  // Resolve: once.
  const id = queue.data.items[1].reports[0].id;
  const resolved = await mod.post(`/api/v1/reports/${id}/resolve`, { resolution: 'dismissed', note: 'fine' });
  assert.equal(resolved.status, 200, resolved.text);
  assert.equal(resolved.data.report.status, 'dismissed');
  assert.equal((await owner.post(`/api/v1/reports/${id}/resolve`, { resolution: 'actioned' })).data.error.code, 'moderation.report_resolved');
  assert.equal((await member.post(`/api/v1/reports/${id}/resolve`, { resolution: 'actioned' })).status, 404);
});

test('a hidden post disappears from every door but for its author and the moderators', async () => {
  const post = await publish(member, 'Hide me please');
  const comment = (await reporter.post(`/api/v1/posts/${post.id}/comments`, { body_md: 'first!' })).data.comment;
  assert.equal((await reporter.post(`/api/v1/posts/${post.id}/hide`, { reason: 'x' })).status, 403);
  const hidden = await mod.post(`/api/v1/posts/${post.id}/hide`, { reason: 'off-topic' });
  assert.equal(hidden.status, 200, hidden.text);
  assert.equal(hidden.data.action.action, 'hide_post');
  assert.equal((await mod.post(`/api/v1/posts/${post.id}/hide`, {})).status, 409);

  const anon = new Client(server.base);
  const readerBrowser = await browserFor(reporter);
  for (const [who, client] of [['anonymous', anon], ['member', reporter], ['member browser', readerBrowser]]) {
    assert.equal((await client.get(`/api/v1/posts/${post.id}`)).status, 404, `${who}: API`);
    assert.equal((await client.get(`/p/${post.id}`)).status, 404, `${who}: page`);
    assert.equal((await client.get(`/api/v1/posts/${post.id}/comments`)).status, 404, `${who}: comments`);
    const feed = await client.get('/api/v1/communities/mods/posts');
    assert.ok(!feed.data.posts.some((p) => p.id === post.id), `${who}: feed`);
    assert.ok(!(await client.get('/c/mods')).text.includes('Hide me please'), `${who}: community page`);
    assert.ok(!(await client.get('/c/mods/tags/news')).text.includes('Hide me please'), `${who}: tag page`);
    assert.equal((await client.post(`/api/v1/posts/${post.id}/comments`, { body_md: 'hello' })).status, client === anon ? 401 : 404, `${who}: commenting`);
  }
  // The author sees it, marked hidden, on the page and in the API; so do the moderators.
  const own = await member.get(`/api/v1/posts/${post.id}`);
  assert.equal(own.status, 200);
  assert.equal(own.data.post.hidden, true);
  assert.ok((await member.get('/api/v1/communities/mods/posts')).data.posts.some((p) => p.id === post.id && p.hidden));
  const authorBrowser = await browserFor(member);
  assert.match((await authorBrowser.get(`/p/${post.id}`)).text, /badge-hidden/);
  assert.equal((await mod.get(`/api/v1/posts/${post.id}`)).status, 200);

  // Restoring brings it back everywhere.
  assert.equal((await mod.post(`/api/v1/posts/${post.id}/restore`, {})).status, 200);
  assert.equal((await anon.get(`/api/v1/posts/${post.id}`)).status, 200);
  assert.ok((await anon.get('/c/mods')).text.includes('Hide me please'));

  // A hidden comment: gone for others, marked for its author.
  assert.equal((await mod.post(`/api/v1/comments/${comment.id}/hide`, { reason: 'spam' })).status, 200);
  assert.equal((await anon.get(`/api/v1/posts/${post.id}/comments`)).data.comments.length, 0);
  assert.ok(!(await anon.get(`/p/${post.id}`)).text.includes('first!'));
  const mine = (await reporter.get(`/api/v1/posts/${post.id}/comments`)).data.comments;
  assert.equal(mine.length, 1);
  assert.equal(mine[0].hidden, true);
  assert.equal((await mod.post(`/api/v1/comments/${comment.id}/restore`, {})).status, 200);
  assert.equal((await anon.get(`/api/v1/posts/${post.id}/comments`)).data.comments.length, 1);
});

test('rank rules: nobody acts on the owner, moderators not on admins', async () => {
  const ownerPost = await publish(owner, 'Owner post');
  const res = await mod.post(`/api/v1/posts/${ownerPost.id}/hide`, {});
  assert.equal(res.status, 403);
  assert.equal(res.data.error.code, 'moderation.target_owner');
  assert.equal((await mod.post('/api/v1/communities/mods/moderation/ban', { username: owner.username })).data.error.code, 'moderation.target_owner');
  const admin = await newUser(server.base, 'admin');
  await admin.post('/api/v1/communities/mods/join', {});
  await owner.patch(`/api/v1/communities/mods/members/${admin.username}`, { role: 'admin' });
  assert.equal((await mod.post('/api/v1/communities/mods/moderation/mute', { username: admin.username, minutes: 5 })).data.error.code, 'moderation.target_outranks');
  assert.equal((await member.post('/api/v1/communities/mods/moderation/warn', { username: reporter.username, message: 'x' })).status, 403);
});

test('warn, mute and ban are enforced at the API and on the pages, and logged', async () => {
  const target = await newUser(server.base, 'target');
  await target.post('/api/v1/communities/mods/join', {});
  age(target);
  const post = await publish(owner, 'Talk here');
  const browser = await browserFor(target);

  const warned = await mod.post('/api/v1/communities/mods/moderation/warn', { username: target.username, message: 'Be kind.' });
  assert.equal(warned.status, 200, warned.text);
  assert.equal((await target.get(`/api/v1/communities/mods/moderation/warnings/${target.username}`)).data.warnings[0].reason, 'Be kind.');

  const muted = await mod.post('/api/v1/communities/mods/moderation/mute', { username: target.username, minutes: 30, reason: 'flood' });
  assert.equal(muted.status, 200, muted.text);
  const until = muted.data.action.ends_at;
  for (const res of [
    await target.post('/api/v1/communities/mods/posts', { title: 'x', body_md: 'y' }),
    await target.post(`/api/v1/posts/${post.id}/comments`, { body_md: 'y' }),
    await target.post(`/api/v1/posts/${post.id}/upvote`, {}),
  ]) {
    assert.equal(res.status, 403);
    assert.equal(res.data.error.code, 'moderation.muted');
    assert.equal(res.data.error.fields.until, until);
    assert.ok(res.data.error.message.includes(until));
  }
  // The page doors, with a valid CSRF token.
  const csrf = await browser.csrfFrom(`/p/${post.id}`);
  assert.ok(csrf);
  const pageComment = await browser.request('POST', `/p/${post.id}/comments`, { form: { _csrf: csrf, body_md: 'from the page' } });
  assert.equal(pageComment.status, 403);
  const pageVote = await browser.request('POST', `/p/${post.id}/upvote`, { form: { _csrf: csrf } });
  assert.equal(pageVote.status, 403);
  const pagePost = await browser.request('POST', '/c/mods/new', { form: { _csrf: csrf, title: 'x', body_md: 'y', kind: 'discussion' } });
  assert.ok(pagePost.status === 403 || pagePost.status === 400, `page post: ${pagePost.status}`);
  assert.ok(!pagePost.headers.get('location'));
  assert.equal((await mod.post('/api/v1/communities/mods/moderation/unmute', { username: target.username })).status, 200);
  assert.equal((await target.post(`/api/v1/posts/${post.id}/upvote`, {})).status, 200);

  // Ban: no members-only reading, no posting, no rejoining; unban restores.
  const inside = await publish(owner, 'Inside only', { body_md: 'teaser\n<!-- paywall -->\nINSIDE-SECRET', visibility: 'members' });
  assert.ok((await target.get(`/api/v1/posts/${inside.id}`)).text.includes('INSIDE-SECRET'));
  assert.equal((await mod.post('/api/v1/communities/mods/moderation/ban', { username: target.username, reason: 'spam' })).status, 200);
  assert.ok(!(await target.get(`/api/v1/posts/${inside.id}`)).text.includes('INSIDE-SECRET'));
  assert.ok(!(await browser.get(`/p/${inside.id}`)).text.includes('INSIDE-SECRET'));
  const banned = await target.post('/api/v1/communities/mods/posts', { title: 'x', body_md: 'y' });
  assert.equal(banned.status, 403);
  assert.equal(banned.data.error.code, 'moderation.banned');
  assert.equal((await target.post('/api/v1/communities/mods/join', {})).data.error.code, 'moderation.banned');
  const joinCsrf = await browser.csrfFrom('/c/mods');
  assert.equal((await browser.request('POST', '/c/mods/join', { form: { _csrf: joinCsrf } })).status, 403);
  assert.equal((await mod.post('/api/v1/communities/mods/moderation/unban', { username: target.username })).status, 200);
  assert.ok((await target.get(`/api/v1/posts/${inside.id}`)).text.includes('INSIDE-SECRET'));

  // The audit log, API and page.
  assert.equal((await target.get('/api/v1/communities/mods/moderation/log')).status, 403);
  const log = await mod.get('/api/v1/communities/mods/moderation/log?limit=5');
  assert.equal(log.status, 200);
  assert.deepEqual(log.data.actions.map((a) => a.action), ['unban', 'ban', 'unmute', 'mute', 'warn']);
  assert.equal(log.data.actions[1].actor.username, mod.username);
  assert.equal(log.data.actions[1].target_user.username, target.username);
  assert.equal(log.data.actions[1].reason, 'spam');
  const modBrowser = await browserFor(mod);
  const logPage = await modBrowser.get('/c/mods/moderation/log');
  assert.equal(logPage.status, 200);
  assert.ok(logPage.text.includes(target.username));
});

test('moderation pages: report, queue, hide, resolve and ban through forms with CSRF', async () => {
  const post = await publish(member, 'Page reported');
  const browser = await browserFor(reporter);
  const csrf = await browser.csrfFrom(`/p/${post.id}`);
  const noCsrf = await browser.request('POST', '/reports', { form: { target_type: 'post', target_id: String(post.id), reason: 'x' } });
  assert.equal(noCsrf.status, 403);
  const reported = await browser.request('POST', '/reports', { form: { _csrf: csrf, target_type: 'post', target_id: String(post.id), reason: 'page spam', next: `/p/${post.id}` } });
  assert.equal(reported.status, 303);
  assert.match(reported.headers.get('location'), new RegExp(`^/p/${post.id}\\?reported=1`));

  const modBrowser = await browserFor(mod);
  assert.equal((await browser.get('/c/mods/moderation')).status, 403);
  const queue = await modBrowser.get('/c/mods/moderation');
  assert.equal(queue.status, 200);
  assert.ok(queue.text.includes('page spam'));
  const modCsrf = queue.text.match(/name="_csrf" value="([^"]+)"/)[1];
  const hide = await modBrowser.request('POST', `/p/${post.id}/hide`, { form: { _csrf: modCsrf, reason: 'spam', next: '/c/mods/moderation' } });
  assert.equal(hide.status, 303);
  assert.equal((await new Client(server.base).get(`/p/${post.id}`)).status, 404);
  assert.ok(!(await modBrowser.get('/c/mods/moderation')).text.includes('page spam'));  // Actioned by hiding.
  assert.equal((await modBrowser.request('POST', `/p/${post.id}/restore`, { form: { _csrf: modCsrf } })).status, 303);

  // A report dismissed from the queue page.
  const second = await publish(member, 'Another');
  await reporter.post('/api/v1/reports', { target_type: 'post', target_id: second.id, reason: 'meh' });
  const reportId = (await mod.get('/api/v1/communities/mods/moderation/queue')).data.items[0].reports[0].id;
  const dismissed = await modBrowser.request('POST', `/reports/${reportId}/resolve`, { form: { _csrf: modCsrf, resolution: 'dismissed' } });
  assert.equal(dismissed.status, 303);
  const left = (await mod.get('/api/v1/communities/mods/moderation/queue')).data.items;
  assert.ok(!left.some((i) => i.target_type === 'post' && i.target_id === second.id));

  // Member acts from the page.
  const victim = await newUser(server.base, 'victim');
  await victim.post('/api/v1/communities/mods/join', {});
  // A refused action: the page again, saying why, with what was typed.
  const typo = await modBrowser.request('POST', '/c/mods/moderation/ban', { form: { _csrf: modCsrf, username: 'nobody-here', reason: 'typo ban' } });
  assert.equal(typo.status, 400);
  assert.match(typo.text, /class="alert alert-error"/);
  assert.match(typo.text, /value="nobody-here"/);
  assert.match(typo.text, /value="typo ban"/);
  const badMute = await modBrowser.request('POST', '/c/mods/moderation/mute', { form: { _csrf: modCsrf, username: victim.username, minutes: '0' } });
  assert.equal(badMute.status, 400);
  assert.match(badMute.text, /class="alert alert-error"/);
  const ban = await modBrowser.request('POST', '/c/mods/moderation/ban', { form: { _csrf: modCsrf, username: victim.username, reason: 'page ban' } });
  assert.equal(ban.status, 303);
  assert.equal((await victim.post('/api/v1/communities/mods/posts', { title: 'x', body_md: 'y' })).data.error.code, 'moderation.banned');
  const mute = await modBrowser.request('POST', '/c/mods/moderation/mute', { form: { _csrf: modCsrf, username: reporter.username, minutes: '10' } });
  assert.equal(mute.status, 303);
  assert.equal((await reporter.post(`/api/v1/posts/${second.id}/upvote`, {})).data.error.code, 'moderation.muted');
  await mod.post('/api/v1/communities/mods/moderation/unmute', { username: reporter.username });
});

test('spam limits: new accounts post 3 times and comment 10 times an hour, with at most 2 links', async () => {
  const fresh = await newUser(server.base, 'fresh');
  await fresh.post('/api/v1/communities/mods/join', {});
  const links = await fresh.post('/api/v1/communities/mods/posts', { title: 'ads', body_md: 'https://a.example https://b.example https://c.example' });
  assert.equal(links.status, 400);
  assert.equal(links.data.error.code, 'spam.too_many_links');
  for (let i = 0; i < 3; i++) await publish(fresh, `fresh ${i}`);
  const limited = await fresh.post('/api/v1/communities/mods/posts', { title: 'fourth', body_md: 'x' });
  assert.equal(limited.status, 429);
  assert.equal(limited.data.error.code, 'spam.rate_limited');
  assert.ok(Number(limited.headers.get('retry-after')) > 3000);
  const target = await publish(owner, 'Comment here');
  for (let i = 0; i < 10; i++) {
    assert.equal((await fresh.post(`/api/v1/posts/${target.id}/comments`, { body_md: `c${i}` })).status, 201);
  }
  const tooMany = await fresh.post(`/api/v1/posts/${target.id}/comments`, { body_md: 'c10' });
  assert.equal(tooMany.status, 429);
  // The page door answers the same.
  const browser = await browserFor(fresh);
  const csrf = await browser.csrfFrom(`/p/${target.id}`);
  const page = await browser.request('POST', `/p/${target.id}/comments`, { form: { _csrf: csrf, body_md: 'page' } });
  assert.equal(page.status, 429);
  assert.ok(page.headers.get('retry-after'));
  assert.match(page.text, /class="alert alert-error"/, 'the post page again, saying why');
  assert.ok(page.text.includes('>page</textarea>'), 'and keeping the comment');
  // A day later the account is no longer new.
  age(fresh);
  await publish(fresh, 'grown up', { body_md: 'https://a.example https://b.example https://c.example' });
});

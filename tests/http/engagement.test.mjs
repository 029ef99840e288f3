// The parts of engagement working together: an accepted answer notifies its author; a moderator
// hiding content takes back the points it earned and tells its author why; warnings and mutes
// reach the member as notifications (API and page).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, newUser } from './harness.mjs';

let server, owner, mod, asker, helper;
before(async () => {
  server = await startServer(['--new-account-posts-per-hour', '0', '--new-account-comments-per-hour', '0', '--new-account-max-links', '0']);
  owner = await newUser(server.base, 'owner');
  mod = await newUser(server.base, 'mod');
  asker = await newUser(server.base, 'asker');
  helper = await newUser(server.base, 'helper');
  await owner.post('/api/v1/communities', { slug: 'engage', name: 'Engage' });
  for (const u of [mod, asker, helper]) await u.post('/api/v1/communities/engage/join', {});
  await owner.patch(`/api/v1/communities/engage/members/${mod.username}`, { role: 'moderator' });
});
after(async () => { await server.stop(); });

const kinds = async (user) => (await user.get('/api/v1/me/notifications')).data.notifications.map((n) => n.kind);
const balance = async (user) => (await user.get('/api/v1/me/points?community=engage')).data.balance;

test('an accepted answer notifies its author', async () => {
  const question = (await asker.post('/api/v1/communities/engage/posts', { title: 'How do lifetimes work?', body_md: 'Please explain.', kind: 'question' })).data.post;
  const answer = (await helper.post(`/api/v1/posts/${question.id}/comments`, { body_md: 'Like this.' })).data.comment;
  assert.equal((await asker.post(`/api/v1/comments/${answer.id}/accept`, {})).status, 200);
  const notification = (await helper.get('/api/v1/me/notifications')).data.notifications.find((n) => n.kind === 'answer_accepted');
  assert.ok(notification, 'answer_accepted');
  assert.equal(notification.link, `/p/${question.id}#comment-${answer.id}`);
  assert.equal(notification.title, 'How do lifetimes work?');
  const browser = new Client(server.base);
  await browser.post('/api/v1/auth/login', { login: helper.username, password: 'correct horse battery' });
  assert.match((await browser.get('/notifications')).text, /accepted your answer/);
});

test('hiding takes back the points the content earned and tells its author why', async () => {
  const before = await balance(helper);
  const post = (await helper.post('/api/v1/communities/engage/posts', { title: 'Farm', body_md: 'points please', kind: 'discussion' })).data.post;
  await asker.post(`/api/v1/posts/${post.id}/upvote`, {});
  const earned = await balance(helper);
  assert.ok(earned > before, 'publishing and the upvote paid points');
  assert.equal((await mod.post(`/api/v1/posts/${post.id}/hide`, { reason: 'Low effort' })).status, 200);
  assert.equal(await balance(helper), before, 'what the post earned is taken back');
  const hidden = (await helper.get('/api/v1/me/notifications')).data.notifications.find((n) => n.kind === 'moderation_hide_post');
  assert.ok(hidden);
  assert.equal(hidden.text, 'Low effort');
  assert.equal(hidden.link, `/p/${post.id}`);
  assert.equal((await mod.post(`/api/v1/posts/${post.id}/restore`, { reason: 'On appeal' })).status, 200);
  assert.equal(await balance(helper), before, 'restoring does not pay again');
  assert.ok((await kinds(helper)).includes('moderation_restore_post'));
});

test('a warning and a mute reach the member', async () => {
  assert.equal((await mod.post('/api/v1/communities/engage/moderation/warn', { username: asker.username, message: 'Be kind.' })).status, 200);
  const warned = (await asker.get('/api/v1/me/notifications')).data.notifications.find((n) => n.kind === 'moderation_warn');
  assert.equal(warned.text, 'Be kind.');
  assert.equal(warned.title, 'Engage');
  assert.equal((await mod.post('/api/v1/communities/engage/moderation/mute', { username: asker.username, minutes: 120, reason: 'Cool down' })).status, 200);
  assert.ok((await kinds(asker)).includes('moderation_mute'));
  assert.ok((await asker.get('/api/v1/me/notifications')).data.unread >= 2);
});

test('the reporter hears how their report ended', async () => {
  const post = (await helper.post('/api/v1/communities/engage/posts', { title: 'Borderline', body_md: 'hmm', kind: 'discussion' })).data.post;
  const report = await asker.post('/api/v1/reports', { target_type: 'post', target_id: post.id, reason: 'spam' });
  assert.equal(report.status, 201, report.text);
  const resolved = await mod.post(`/api/v1/reports/${report.data.report.id}/resolve`, { resolution: 'dismissed', note: 'Not spam' });
  assert.equal(resolved.status, 200, resolved.text);
  const told = (await asker.get('/api/v1/me/notifications')).data.notifications.find((n) => n.kind === 'report_dismissed');
  assert.ok(told);
  assert.equal(told.text, 'Not spam');
  assert.ok(!(await kinds(helper)).includes('report_dismissed'), 'the reported member is not told who reported');
});

// E-mail end to end over real SMTP (tests/fakes/smtp.mjs): a digest read back from the wire
// (headers, both parts, a zh-CN subject, no paid text for a member who has not paid), a retry
// after a 4xx, one-click unsubscribe without a session, and preferences by API and page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, newUser, sql } from './harness.mjs';
import { startFakeSmtp, parseMessage } from '../fakes/smtp.mjs';

let smtp, server, owner, member;

async function login(user) {
  const browser = new Client(server.base);
  const r = await browser.post('/api/v1/auth/login', { login: user.username, password: 'correct horse battery' });
  assert.equal(r.status, 200, r.text);
  return browser;
}

// Makes the member's digest due now, as if its period had passed (the worker's schedule is
// the real one: only the bookkeeping row is moved back).
function makeDigestDue(user) {
  sql(server, `UPDATE mail_settings SET last_period = last_period - 1 WHERE user_id = ${user.user.id}`);
}

before(async () => {
  smtp = await startFakeSmtp({ user: 'mailer', password: 's3cret pass' });
  server = await startServer(['--smtp-url', smtp.url, '--smtp-user', 'mailer', '--smtp-password', 's3cret pass',
    '--mail-from', 'Guildhall <noreply@guild.test>', '--mail-poll-ms', '100', '--mail-retry-base-ms', '300']);
  owner = await newUser(server.base, 'mowner');
  member = await newUser(server.base, 'mmember');
  assert.equal((await owner.post('/api/v1/communities', { slug: 'mailroom', name: 'Mail room 邮件' })).status, 201);
  assert.equal((await member.post('/api/v1/communities/mailroom/join', {})).status < 300, true);
});
after(async () => { await server.stop(); await smtp.close(); });

test('a daily digest arrives over SMTP in the member\'s language, with the paid post cut to its preview', async () => {
  const prefs = await member.patch('/api/v1/me/email-preferences', { digest: 'daily', language: 'zh-CN' });
  assert.equal(prefs.status, 200, prefs.text);
  assert.equal(prefs.data.email_preferences.digest, 'daily');
  assert.equal(prefs.data.email_preferences.language, 'zh-CN');

  const open = await owner.post('/api/v1/communities/mailroom/posts', { title: 'Open letter', body_md: 'Everyone may read OPEN_TEXT.' });
  assert.equal(open.status, 201, open.text);
  const paid = await owner.post('/api/v1/communities/mailroom/posts', {
    title: 'Paid deep dive', kind: 'tutorial', visibility: 'paid',
    body_md: 'FREE_TEASER about lifetimes.\n\n<!-- paywall -->\n\nPAID_SECRET: the whole answer.',
  });
  assert.equal(paid.status, 201, paid.text);

  makeDigestDue(member);
  const mail = await smtp.waitFor(member.user.email);
  assert.deepEqual(smtp.auths.at(-1), { user: 'mailer', password: 's3cret pass' });
  assert.equal(mail.envelope.from, 'noreply@guild.test');
  assert.equal(mail.subject, 'Guildhall 每日摘要');
  assert.match(mail.headers.subject, /^=\?UTF-8\?B\?/);
  assert.equal(mail.headers.from, 'Guildhall <noreply@guild.test>');
  assert.match(mail.headers.to, new RegExp(`<${member.user.email}>$`));
  assert.ok(!Number.isNaN(Date.parse(mail.headers.date)), mail.headers.date);
  assert.match(mail.headers['message-id'], /^<[^@\s]+@guild\.test>$/);
  assert.match(mail.headers['content-type'], /^multipart\/alternative; boundary=/);
  assert.match(mail.headers['list-unsubscribe'], new RegExp(`^<${server.base}/unsubscribe/[A-Za-z0-9_-]+>$`));
  assert.equal(mail.headers['list-unsubscribe-post'], 'List-Unsubscribe=One-Click');
  assert.doesNotMatch(mail.raw, /[^\r]\n/, 'CRLF line ends only');

  assert.equal(mail.parts.length, 2);
  assert.match(mail.parts[0].type, /^text\/plain; charset=UTF-8/);
  assert.match(mail.parts[1].type, /^text\/html; charset=UTF-8/);
  for (const body of [mail.text, mail.html]) {
    assert.match(body, /Mail room 邮件/);
    assert.match(body, /Open letter/);
    assert.match(body, /OPEN_TEXT/);
    assert.match(body, /Paid deep dive/);
    assert.match(body, /FREE_TEASER/);
    assert.match(body, /付费内容/, 'the locked post says so');
    assert.match(body, new RegExp(`/p/${paid.data.post.id}`));
  }
  assert.doesNotMatch(mail.raw, /PAID_SECRET/, 'no paid text by e-mail to a member who has not paid');
  assert.match(mail.text, /以下是你在社群中错过的内容/);

  // Once per period: the next rounds send nothing more.
  const count = smtp.messages.length;
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(smtp.messages.length, count);
  // The owner, a member too, had no digest: their first period is a baseline.
  assert.equal(smtp.messages.filter((m) => m.to.includes(owner.user.email)).length, 0);
});

test('a 4xx from the SMTP server is retried with backoff until it is delivered', async () => {
  // A second member: the first one's digest of this period is already sent (once per period).
  const reader = await newUser(server.base, 'mreader');
  await reader.post('/api/v1/communities/mailroom/join', {});
  assert.equal((await reader.patch('/api/v1/me/email-preferences', { digest: 'daily' })).status, 200);
  await owner.post('/api/v1/communities/mailroom/posts', { title: 'Second round', body_md: 'RETRY_MARKER' });
  const before = smtp.rejected;
  smtp.failNext(2);
  makeDigestDue(reader);
  const mail = await smtp.waitFor(reader.user.email, (m) => m.text.includes('RETRY_MARKER'));
  assert.equal(smtp.rejected - before, 2);
  assert.equal(mail.subject, 'Your daily digest from Guildhall');
  assert.doesNotMatch(mail.text, /Open letter/, 'the digest starts when the member chose it');
  const row = sql(server, "SELECT attempts || ' ' || status FROM mail_outbox WHERE kind = 'digest' ORDER BY id DESC LIMIT 1").trim();
  assert.equal(row, '3 sent');
});

test('one-click unsubscribe works by POST without a session; GET shows a confirmation', async () => {
  const mail = await smtp.waitFor(member.user.email);
  const url = new URL(mail.headers['list-unsubscribe'].slice(1, -1));
  const anonymous = new Client(server.base);
  const page = await anonymous.get(url.pathname);
  assert.equal(page.status, 200);
  assert.match(page.text, new RegExp(`<form method="post" action="${url.pathname}"`));
  assert.equal((await member.get('/api/v1/me/email-preferences')).data.email_preferences.digest, 'daily', 'a GET changes nothing');

  const response = await fetch(server.base + url.pathname, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click',
  });
  assert.equal(response.status, 200);
  assert.equal((await member.get('/api/v1/me/email-preferences')).data.email_preferences.digest, 'off');

  // The page's button (no CSRF needed either) goes back to the page, which says it is done.
  const again = await anonymous.request('POST', url.pathname, { form: {} });
  assert.equal(again.status, 303);
  assert.match((await anonymous.get(again.headers.get('location'))).text, /已退订|Done/);

  const unknown = await fetch(`${server.base}/unsubscribe/not-a-token`, { method: 'POST', body: 'List-Unsubscribe=One-Click' });
  assert.equal(unknown.status, 404);
  assert.equal((await anonymous.get('/unsubscribe/not-a-token')).status, 404);
});

test('preferences by API and by the settings page', async () => {
  const user = await newUser(server.base, 'mprefs');
  const initial = await user.get('/api/v1/me/email-preferences');
  assert.equal(initial.status, 200);
  assert.deepEqual(initial.data.email_preferences,
    { answers: true, mentions: true, payments: true, replies: true, digest: 'weekly', language: '' });

  for (const [body, field] of [[{ spam: true }, 'spam'], [{ replies: 'no' }, 'replies'], [{ digest: 'hourly' }, 'digest'], [{ language: 'fr' }, 'language']]) {
    const bad = await user.patch('/api/v1/me/email-preferences', body);
    assert.equal(bad.status, 400, JSON.stringify(body));
    assert.equal(bad.data.error.code, 'mail.invalid_preference');
    assert.ok(field in bad.data.error.fields, JSON.stringify(bad.data.error));
  }
  const changed = await user.patch('/api/v1/me/email-preferences', { mentions: false });
  assert.equal(changed.data.email_preferences.mentions, false);
  assert.equal(changed.data.email_preferences.replies, true);
  assert.equal((await new Client(server.base).get('/api/v1/me/email-preferences')).status, 401);

  const browser = await login(user);
  const csrf = await browser.csrfFrom('/settings/email');
  assert.ok(csrf);
  const page = await browser.get('/settings/email');
  assert.match(page.text, /name="kind_replies" value="1" checked/);
  assert.doesNotMatch(page.text, /name="kind_mentions" value="1" checked/);
  assert.match((await browser.get('/settings')).text, /href="\/settings\/email"/);

  const forged = await browser.request('POST', '/settings/email', { form: { digest: 'off' } });
  assert.equal(forged.status, 403, 'the page form needs its CSRF token');
  const saved = await browser.request('POST', '/settings/email', { form: { _csrf: csrf, kind_mentions: '1', digest: 'off', language: 'en' } });
  assert.equal(saved.status, 303);
  assert.match((await browser.get(saved.headers.get('location'))).text, /Saved\./);
  const after = (await user.get('/api/v1/me/email-preferences')).data.email_preferences;
  assert.deepEqual(after, { answers: false, mentions: true, payments: false, replies: false, digest: 'off', language: 'en' });
  const invalid = await browser.request('POST', '/settings/email', { form: { _csrf: csrf, digest: 'hourly', language: '' } });
  assert.equal(invalid.status, 400);
});

test('a reply to my post arrives by e-mail; with replies turned off, only the in-app notification', async () => {
  const author = await newUser(server.base, 'mauthor');
  await author.post('/api/v1/communities/mailroom/join', {});
  const post = (await author.post('/api/v1/communities/mailroom/posts', { title: 'Ask me anything', body_md: 'AMA' })).data.post;
  const replier = await newUser(server.base, 'mreplier');
  await replier.post('/api/v1/communities/mailroom/join', {});
  assert.equal((await replier.post(`/api/v1/posts/${post.id}/comments`, { body_md: 'REPLY_TEXT here' })).status, 201);
  const mail = await smtp.waitFor(author.user.email, (m) => /Ask me anything/.test(m.subject));
  assert.match(mail.subject, new RegExp(`^${replier.username} replied to your post: Ask me anything$`));
  assert.match(mail.text, /REPLY_TEXT/);
  assert.match(mail.text, new RegExp(`${server.base}/p/${post.id}#comment-`));
  assert.match(mail.headers['list-unsubscribe'], /\/unsubscribe\//);

  assert.equal((await author.patch('/api/v1/me/email-preferences', { replies: false })).status, 200);
  const second = (await author.post('/api/v1/communities/mailroom/posts', { title: 'Quiet post', body_md: 'shh' })).data.post;
  assert.equal((await replier.post(`/api/v1/posts/${second.id}/comments`, { body_md: 'still here' })).status, 201);
  const inApp = (await author.get('/api/v1/me/notifications')).data.notifications;
  assert.ok(inApp.some((n) => n.title === 'Quiet post'), 'the in-app notification is still there');
  await new Promise((r) => setTimeout(r, 800));  // Several worker polls (100 ms each).
  assert.ok(!smtp.messages.some((m) => m.to.includes(author.user.email) && /Quiet post/.test(parseMessage(m.raw).subject)));
});

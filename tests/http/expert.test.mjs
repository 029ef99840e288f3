// Paid questions to an expert over HTTP: the offer, asking (manual and Stripe checkouts), the
// answer releasing the money, declining and the deadline sweep refunding, 404 for everyone but
// the asker, the expert and the staff, the pages with their forms, and the books at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, Client, newUser, binary, sql } from './harness.mjs';
import { startFakeStripe } from '../fakes/stripe.mjs';

let stripe, server, hook, owner, sage, asker, other;

async function login(user) {
  const browser = new Client(server.base);
  const r = await browser.post('/api/v1/auth/login', { login: user.username, password: 'correct horse battery' });
  assert.equal(r.status, 200, r.text);
  return browser;
}

async function ask(who, title, provider = 'manual', extra = {}) {
  const r = await who.post(`/api/v1/communities/askus/experts/${sage.username}/questions`,
    { title, body_md: `Details of *${title}*`, provider, ...extra });
  assert.equal(r.status, 201, r.text);
  return r.data;
}

async function waitForStatus(id, status) {
  for (let i = 0; i < 40; ++i) {
    const q = (await asker.get(`/api/v1/paid-questions/${id}`)).data.question;
    if (q.status === status) return q;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.fail(`question ${id} never became ${status}`);
}

before(async () => {
  stripe = await startFakeStripe({ secretKey: 'sk_test_guildhall', webhookSecret: 'whsec_guildhall' });
  server = await startServer(['--stripe-api-base', stripe.base, '--stripe-secret-key', stripe.secretKey,
    '--stripe-webhook-secret', stripe.webhookSecret]);
  hook = `${server.base}/webhooks/stripe`;
  owner = await newUser(server.base, 'owner');
  sage = await newUser(server.base, 'sage');
  asker = await newUser(server.base, 'asker');
  other = await newUser(server.base, 'other');
  assert.equal((await owner.post('/api/v1/communities', { slug: 'askus', name: 'Ask Us' })).status, 201);
  for (const u of [sage, asker, other]) {
    assert.equal((await u.post('/api/v1/communities/askus/join', {})).status, 200);
  }
});
after(async () => { await server.stop(); await stripe.close(); });

test('offers: creators and up set their own; bad terms are 400; anyone sees the active ones', async () => {
  const denied = await asker.request('PUT', '/api/v1/communities/askus/expert-offer', { json: { price_minor: 100, answer_days: 3 } });
  assert.equal(denied.status, 403);
  assert.equal(denied.data.error.code, 'expert.creator_role_required');
  assert.equal((await owner.patch(`/api/v1/communities/askus/members/${sage.username}`, { role: 'creator' })).status, 200);
  const bad = await sage.request('PUT', '/api/v1/communities/askus/expert-offer', { json: { price_minor: 5000, answer_days: 31 } });
  assert.equal(bad.status, 400);
  assert.equal(bad.data.error.code, 'expert.invalid_days');
  assert.equal((await sage.request('PUT', '/api/v1/communities/askus/expert-offer', { json: { price_minor: 0, answer_days: 3 } })).status, 400);
  const set = await sage.request('PUT', '/api/v1/communities/askus/expert-offer',
    { json: { price_minor: 5000, answer_days: 3, intro: 'Rust and C++' } });
  assert.equal(set.status, 200, set.text);
  assert.deepEqual(set.data.offer.price, { amount_minor: 5000, currency: 'CNY' });
  const listed = await new Client(server.base).get('/api/v1/communities/askus/experts');
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.data.experts.map((e) => [e.username, e.answer_days, e.intro]), [[sage.username, 3, 'Rust and C++']]);
});

test('manual: ask, pay, answer; only the asker, the expert and the staff see it', async () => {
  const stranger = await newUser(server.base, 'stranger');
  const refused = await stranger.post(`/api/v1/communities/askus/experts/${sage.username}/questions`, { title: 'Hi', body_md: 'x' });
  assert.equal(refused.status, 403, 'members only');
  assert.equal((await sage.post(`/api/v1/communities/askus/experts/${sage.username}/questions`, { title: 'Me?', body_md: 'x' })).status, 403);
  const empty = await asker.post(`/api/v1/communities/askus/experts/${sage.username}/questions`, { title: '', body_md: 'x' });
  assert.equal(empty.status, 400);
  assert.equal(empty.data.error.fields.title, 'expert.invalid_title');

  const { question, checkout } = await ask(asker, 'Lifetimes?');
  assert.equal(question.status, 'awaiting_payment');
  assert.deepEqual(checkout.amount, { amount_minor: 5000, currency: 'CNY' });
  assert.equal(checkout.status, 'pending');
  assert.equal((await sage.get(`/api/v1/paid-questions/${question.id}`)).status, 404, 'unpaid: not for the expert yet');
  const paid = await owner.post(`/api/v1/checkout/${checkout.id}/confirm`, {});
  assert.equal(paid.status, 200, paid.text);

  const open = (await sage.get(`/api/v1/paid-questions/${question.id}`)).data.question;
  assert.equal(open.status, 'open');
  assert.ok(Date.parse(open.deadline_at) - Date.parse(open.paid_at) === 3 * 24 * 3600 * 1000);
  assert.equal((await owner.get(`/api/v1/paid-questions/${question.id}`)).status, 200, 'the owner sees it');
  assert.equal((await other.get(`/api/v1/paid-questions/${question.id}`)).status, 404);
  assert.equal((await other.post(`/api/v1/paid-questions/${question.id}/answer`, { body_md: 'me!' })).status, 404);
  assert.equal((await asker.post(`/api/v1/paid-questions/${question.id}/answer`, { body_md: 'me!' })).status, 403);
  const notes = (await sage.get('/api/v1/me/notifications')).data.notifications;
  assert.ok(notes.some((n) => n.kind === 'paid_question' && n.link === `/paid-questions/${question.id}`));
  assert.ok(!(await other.get('/api/v1/me/notifications')).data.notifications.some((n) => n.kind.startsWith('paid_question')));

  const answered = await sage.post(`/api/v1/paid-questions/${question.id}/answer`, { body_md: 'They **name** scopes.' });
  assert.equal(answered.status, 200, answered.text);
  assert.equal(answered.data.question.status, 'answered');
  assert.match(answered.data.question.answer_html, /<strong>name<\/strong>/);
  const again = await sage.post(`/api/v1/paid-questions/${question.id}/answer`, { body_md: 'again' });
  assert.equal(again.status, 409);
  assert.equal(again.data.error.code, 'expert.already_answered');
  const refund = await owner.post(`/api/v1/payments/${open.payment.id}/refund`, {});
  assert.equal(refund.status, 409, 'an answered question is not refunded');
  const mine = (await asker.get('/api/v1/me/paid-questions?role=asker')).data.questions;
  assert.equal(mine[0].answer_md, 'They **name** scopes.');
  assert.equal((await sage.get('/api/v1/me/paid-questions?role=expert')).data.questions.length, 1);
  assert.equal((await sage.get('/api/v1/me/paid-questions?role=boss')).status, 400);
  assert.equal((await other.get('/api/v1/me/paid-questions?role=asker')).data.questions.length, 0);
});

test('the deadline sweep refunds an unanswered question once', async () => {
  const { question, checkout } = await ask(asker, 'Too slow?');
  await owner.post(`/api/v1/checkout/${checkout.id}/confirm`, {});
  sql(server, `UPDATE paid_questions SET deadline_at = 1 WHERE id = ${question.id}`);
  const refunded = await waitForStatus(question.id, 'refunded');
  assert.equal(refunded.refund_reason, 'deadline');
  assert.equal(refunded.payment.status, 'refunded');
  const late = await sage.post(`/api/v1/paid-questions/${question.id}/answer`, { body_md: 'late' });
  assert.equal(late.status, 409);
  assert.equal(late.data.error.code, 'expert.not_open');
  assert.equal(Number(sql(server, `SELECT COUNT(*) FROM ledger_transactions WHERE reference = '${refunded.payment.id}' AND kind = 'reversal'`).trim()), 1);
});

test('Stripe: pay by webhook, the expert declines, Stripe refunds', async () => {
  const { question, checkout } = await ask(asker, 'By card?', 'stripe');
  const session = stripe.sessionFor(checkout.id);
  assert.ok(session, 'a Checkout Session was opened');
  assert.equal(checkout.redirect_url, session.url);
  const call = stripe.calls('POST', '/v1/checkout/sessions').at(-1);
  assert.equal(call.form.mode, 'payment');
  assert.equal(call.form['line_items[0][price_data][unit_amount]'], '5000');
  const event = stripe.event('checkout.session.completed', stripe.paidSession(session));
  assert.equal((await stripe.send(hook, event)).status, 200);
  assert.equal((await stripe.send(hook, event)).status, 200, 'a duplicate delivery changes nothing');
  const open = (await sage.get(`/api/v1/paid-questions/${question.id}`)).data.question;
  assert.equal(open.status, 'open');

  const before = stripe.calls('POST', '/v1/refunds').length;
  const declined = await sage.post(`/api/v1/paid-questions/${question.id}/decline`, { reason: 'Not my field' });
  assert.equal(declined.status, 200, declined.text);
  assert.equal(declined.data.question.status, 'refunded');
  assert.equal(declined.data.question.decline_reason, 'Not my field');
  assert.equal(stripe.calls('POST', '/v1/refunds').length, before + 1);
  assert.equal((await sage.post(`/api/v1/paid-questions/${question.id}/decline`, {})).status, 409);
  const notes = (await asker.get('/api/v1/me/notifications')).data.notifications;
  assert.ok(notes.some((n) => n.kind === 'paid_question_refunded'));

  // A failed checkout leaves nothing behind.
  const count = () => Number(sql(server, 'SELECT COUNT(*) FROM paid_questions').trim());
  const n = count();
  const bad = await asker.post(`/api/v1/communities/askus/experts/${sage.username}/questions`, { title: 'x', body_md: 'y', provider: 'cash' });
  assert.equal(bad.status, 400);
  assert.equal(count(), n);
});

test('pages: offer form, ask form to the checkout, the inbox answer form, the question and account pages', async () => {
  const expertBrowser = await login(sage);
  const askerBrowser = await login(asker);
  const otherBrowser = await login(other);
  const offerPage = await expertBrowser.get('/c/askus/experts');
  assert.equal(offerPage.status, 200);
  assert.match(offerPage.text, /action="\/c\/askus\/expert-offer"/);
  assert.match(offerPage.text, /name="price" value="50.00"/);
  let csrf = await expertBrowser.csrfFrom('/c/askus/experts');
  const badOffer = await expertBrowser.request('POST', '/c/askus/expert-offer', { form: { _csrf: csrf, price: '60', currency: 'CNY', answer_days: '99', intro: 'x', active: '1' } });
  assert.equal(badOffer.status, 400);
  const saved = await expertBrowser.request('POST', '/c/askus/expert-offer', { form: { _csrf: csrf, price: '60', currency: 'CNY', answer_days: '2', intro: 'Systems', active: '1' } });
  assert.equal(saved.status, 303);
  assert.equal((await sage.get('/api/v1/communities/askus/experts')).data.experts[0].price.amount_minor, 6000);

  const listing = await askerBrowser.get('/c/askus/experts');
  assert.match(listing.text, new RegExp(`action="/c/askus/experts/${sage.username}/ask"`));
  csrf = await askerBrowser.csrfFrom('/c/askus/experts');
  const noCsrf = await askerBrowser.request('POST', `/c/askus/experts/${sage.username}/ask`, { form: { title: 'x', body_md: 'y' } });
  assert.equal(noCsrf.status, 403);
  const invalid = await askerBrowser.request('POST', `/c/askus/experts/${sage.username}/ask`, { form: { _csrf: csrf, title: '', body_md: 'kept body', provider: 'manual' } });
  assert.equal(invalid.status, 400);
  assert.match(invalid.text, /kept body/);
  const asked = await askerBrowser.request('POST', `/c/askus/experts/${sage.username}/ask`,
    { form: { _csrf: csrf, title: 'Page question', body_md: 'From the **form**', allow_publish: '1', provider: 'manual' } });
  assert.equal(asked.status, 303, asked.text);
  const location = asked.headers.get('location');
  assert.match(location, /^\/checkout\/co_/);
  const checkoutPage = await askerBrowser.get(location);
  assert.equal(checkoutPage.status, 200);
  assert.match(checkoutPage.text, /60\.00/);
  assert.equal((await owner.post(`/api/v1/checkout/${location.split('/').pop()}/confirm`, {})).status, 200);
  const id = (await asker.get('/api/v1/me/paid-questions')).data.questions.find((q) => q.title === 'Page question').id;

  const inbox = await expertBrowser.get('/c/askus/experts/inbox');
  assert.equal(inbox.status, 200);
  assert.match(inbox.text, /Page question/);
  assert.match(inbox.text, new RegExp(`action="/paid-questions/${id}/answer"`));
  assert.match(inbox.text, new RegExp(`action="/paid-questions/${id}/decline"`));
  assert.equal((await otherBrowser.get(`/paid-questions/${id}`)).status, 404);
  csrf = await expertBrowser.csrfFrom(`/paid-questions/${id}`);
  const answered = await expertBrowser.request('POST', `/paid-questions/${id}/answer`, { form: { _csrf: csrf, body_md: 'A page **answer**' } });
  assert.equal(answered.status, 303);
  const page = await askerBrowser.get(`/paid-questions/${id}`);
  assert.equal(page.status, 200);
  assert.match(page.text, /A page <strong>answer<\/strong>/);
  assert.equal((await otherBrowser.get(`/paid-questions/${id}`)).status, 404);
  const account = await askerBrowser.get('/account/questions');
  assert.equal(account.status, 200);
  assert.match(account.text, /Page question/);
  assert.match(account.text, /A page <strong>answer<\/strong>/);

  // The asker allowed it: a members-only question post with the accepted answer.
  const q = (await asker.get(`/api/v1/paid-questions/${id}`)).data.question;
  assert.ok(q.post_id, 'published');
  const post = (await other.get(`/api/v1/posts/${q.post_id}`)).data.post;
  assert.equal(post.kind, 'question');
  assert.equal(post.visibility, 'members');
  const outsider = await newUser(server.base, 'outsider');
  const locked = await outsider.get(`/api/v1/posts/${q.post_id}`);
  assert.ok(locked.status === 404 || locked.data.post.locked, 'not for non-members');
});

test('the books hold after all of it', () => {
  const out = execFileSync(binary, ['ledger', 'check', '--database', server.database], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(out, /ledger check: ok/);
  assert.equal(Number(sql(server, "SELECT COUNT(*) FROM ledger_transactions WHERE kind = 'release'").trim()), 2);
});

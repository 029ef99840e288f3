// Feedback tickets, surveys and payment disputes over HTTP: the API and the page forms (with
// CSRF), and who sees what.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client, newUser } from './harness.mjs';

let server, owner, admin, member, other;

async function browserFor(user) {
  const browser = new Client(server.base);
  const res = await browser.post('/api/v1/auth/login', { login: user.username, password: 'correct horse battery' });
  assert.equal(res.status, 200, res.text);
  return browser;
}

function csrfOf(page) {
  return page.text.match(/name="_csrf" value="([^"]+)"/)[1];
}

before(async () => {
  server = await startServer();
  owner = await newUser(server.base, 'owner');
  admin = await newUser(server.base, 'admin');
  member = await newUser(server.base, 'member');
  other = await newUser(server.base, 'other');
  assert.equal((await owner.post('/api/v1/communities', { slug: 'fbclub', name: 'Feedback Club' })).status, 201);
  for (const u of [admin, member, other]) await u.post('/api/v1/communities/fbclub/join', {});
  await owner.patch(`/api/v1/communities/fbclub/members/${admin.username}`, { role: 'admin' });
});
after(async () => { await server.stop(); });

test('feedback tickets: owners see and answer all, members only their own', async () => {
  const res = await member.post('/api/v1/communities/fbclub/feedback', { subject: 'Broken link', body: 'The link on the pricing page is broken.' });
  assert.equal(res.status, 201, res.text);
  const ticket = res.data.ticket;
  assert.equal(ticket.status, 'open');
  assert.equal((await member.post('/api/v1/communities/fbclub/feedback', { subject: '', body: 'x' })).data.error.code, 'feedback.invalid_subject');
  await other.post('/api/v1/communities/fbclub/feedback', { subject: 'Other', body: 'Mine' });

  assert.equal((await owner.get('/api/v1/communities/fbclub/feedback')).data.tickets.length, 2);
  assert.equal((await admin.get('/api/v1/communities/fbclub/feedback')).data.tickets.length, 2);
  assert.deepEqual((await member.get('/api/v1/communities/fbclub/feedback')).data.tickets.map((t) => t.subject), ['Broken link']);
  assert.equal((await other.get(`/api/v1/feedback/${ticket.id}`)).status, 404);

  const answer = await admin.post(`/api/v1/feedback/${ticket.id}/messages`, { body: 'Fixed!' });
  assert.equal(answer.status, 201);
  assert.equal(answer.data.ticket.status, 'answered');
  assert.equal(answer.data.ticket.messages[1].from_staff, true);
  assert.equal((await member.post(`/api/v1/feedback/${ticket.id}/messages`, { body: 'Thanks' })).data.ticket.status, 'open');
  assert.equal((await member.post(`/api/v1/feedback/${ticket.id}/close`, {})).data.ticket.status, 'closed');
  const closed = await owner.post(`/api/v1/feedback/${ticket.id}/messages`, { body: 'late' });
  assert.equal(closed.status, 409);
  assert.equal(closed.data.error.code, 'feedback.closed');

  // Each side hears of the other's messages: the owner and the admin of new tickets and of the
  // member's reply, the member of the admin's answer; nobody of their own message.
  const kinds = async (who) => (await who.get('/api/v1/me/notifications')).data.notifications
    .filter((n) => n.kind.startsWith('feedback_') && n.link === `/feedback/${ticket.id}`).map((n) => n.kind);
  assert.deepEqual(await kinds(owner), ['feedback_reply', 'feedback_opened']);
  assert.deepEqual(await kinds(admin), ['feedback_reply', 'feedback_opened']);
  assert.deepEqual(await kinds(member), ['feedback_reply']);
  assert.deepEqual(await kinds(other), []);
  const answered = (await member.get('/api/v1/me/notifications')).data.notifications.find((n) => n.kind === 'feedback_reply');
  assert.equal(answered.text, 'Fixed!');
  assert.equal(answered.actor.username, admin.username);
});

test('feedback pages: open a ticket, answer it, close it, with CSRF', async () => {
  const browser = await browserFor(member);
  const list = await browser.get('/c/fbclub/feedback');
  assert.equal(list.status, 200);
  const csrf = csrfOf(list);
  assert.equal((await browser.request('POST', '/c/fbclub/feedback', { form: { subject: 'No token', body: 'x' } })).status, 403);
  const opened = await browser.request('POST', '/c/fbclub/feedback', { form: { _csrf: csrf, subject: 'Page ticket', body: 'From the page' } });
  assert.equal(opened.status, 303);
  const url = opened.headers.get('location');
  assert.match(url, /^\/feedback\/\d+$/);
  assert.ok((await browser.get(url)).text.includes('From the page'));

  const ownerBrowser = await browserFor(owner);
  const ownerList = await ownerBrowser.get('/c/fbclub/feedback');
  assert.ok(ownerList.text.includes('Page ticket'));
  const ownerPage = await ownerBrowser.get(url);
  const reply = await ownerBrowser.request('POST', `${url}/reply`, { form: { _csrf: csrfOf(ownerPage), body: 'Answered on the page' } });
  assert.equal(reply.status, 303);
  const after = await browser.get(url);
  assert.ok(after.text.includes('Answered on the page'));
  assert.equal((await browser.request('POST', `${url}/close`, { form: { _csrf: csrf } })).status, 303);
  assert.equal((await (await browserFor(other)).get(url)).status, 404);
});

test('surveys: owners create, members answer once, owners see results', async () => {
  const created = await owner.post('/api/v1/communities/fbclub/surveys', {
    title: 'Next meetup',
    questions: [
      { kind: 'single', prompt: 'Which day?', options: ['Saturday', 'Sunday'] },
      { kind: 'multiple', prompt: 'Topics?', options: ['C++', 'Rust', 'Go'] },
      { kind: 'text', prompt: 'Anything else?' },
    ],
  });
  assert.equal(created.status, 201, created.text);
  const survey = created.data.survey;
  assert.equal((await member.post('/api/v1/communities/fbclub/surveys', { title: 'x', questions: [{ kind: 'text', prompt: 'y' }] })).status, 403);
  assert.equal((await owner.post('/api/v1/communities/fbclub/surveys', { title: 'x', questions: [{ kind: 'single', prompt: 'y', options: ['one'] }] })).status, 400);
  const [day, topics, free] = survey.questions;
  const answers = { answers: [
    { question_id: day.id, option_ids: [day.options[1].id] },
    { question_id: topics.id, option_ids: [topics.options[0].id, topics.options[1].id] },
    { question_id: free.id, text: 'Pizza' },
  ] };
  assert.equal((await member.post(`/api/v1/surveys/${survey.id}/responses`, answers)).status, 201);
  const twice = await member.post(`/api/v1/surveys/${survey.id}/responses`, answers);
  assert.equal(twice.status, 409);
  assert.equal(twice.data.error.code, 'surveys.already_answered');
  assert.equal((await other.post(`/api/v1/surveys/${survey.id}/responses`, { answers: [] })).status, 400);
  assert.equal((await new Client(server.base).get(`/api/v1/surveys/${survey.id}`)).status, 401);
  assert.equal((await (await newUser(server.base, 'stranger')).get(`/api/v1/surveys/${survey.id}`)).status, 404);

  // The page form answers too.
  const browser = await browserFor(other);
  const page = await browser.get(`/surveys/${survey.id}`);
  assert.equal(page.status, 200);
  const form = new URLSearchParams();
  form.append('_csrf', csrfOf(page));
  form.append(`q${day.id}`, String(day.options[0].id));
  form.append(`q${topics.id}`, String(topics.options[1].id));
  form.append(`q${topics.id}`, String(topics.options[2].id));
  form.append(`q${free.id}`, 'Tea');
  const answered = await browser.request('POST', `/surveys/${survey.id}/answer`, { raw: form.toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  assert.equal(answered.status, 303);

  assert.equal((await member.get(`/api/v1/surveys/${survey.id}/results`)).status, 403);
  const results = await admin.get(`/api/v1/surveys/${survey.id}/results`);
  assert.equal(results.status, 200);
  const r = results.data.survey;
  assert.equal(r.responses, 2);
  assert.deepEqual(r.questions[0].options.map((o) => o.count), [1, 1]);
  assert.deepEqual(r.questions[1].options.map((o) => o.count), [1, 2, 1]);
  assert.deepEqual(r.questions[2].texts, ['Pizza', 'Tea']);
  const ownerBrowser = await browserFor(owner);
  const resultsPage = await ownerBrowser.get(`/surveys/${survey.id}/results`);
  assert.equal(resultsPage.status, 200);
  assert.ok(resultsPage.text.includes('Pizza'));

  // Creating from the page.
  const listPage = await ownerBrowser.get('/c/fbclub/surveys');
  const made = await ownerBrowser.request('POST', '/c/fbclub/surveys', { form: { _csrf: csrfOf(listPage), title: 'Page survey', prompt1: 'Coffee or tea?', kind1: 'single', options1: 'Coffee\nTea\n', prompt2: '', kind2: 'single' } });
  assert.equal(made.status, 303);
  const list = (await member.get('/api/v1/communities/fbclub/surveys')).data.surveys;
  assert.equal(list[0].title, 'Page survey');
  assert.deepEqual(list[0].questions[0].options.map((o) => o.label), ['Coffee', 'Tea']);
});

test('payment disputes: the payer contests, the owner sees it beside the payment and resolves', async () => {
  const tier = (await owner.post('/api/v1/communities/fbclub/tiers', { name: 'Gold', price: { amount_minor: 5000, currency: 'CNY' }, interval: 'lifetime' })).data.tier;
  async function pay(who) {
    const checkout = (await who.post('/api/v1/checkout', { tier_id: tier.id, provider: 'manual' })).data.checkout;
    return (await owner.post(`/api/v1/checkout/${checkout.id}/confirm`, {})).data.payment;
  }
  const payment = await pay(member);
  assert.match(payment.id, /^py_/);
  assert.equal((await other.post(`/api/v1/payments/${payment.id}/disputes`, { reason: 'not mine' })).status, 404);
  const opened = await member.post(`/api/v1/payments/${payment.id}/disputes`, { reason: 'I was charged twice.' });
  assert.equal(opened.status, 201, opened.text);
  const dispute = opened.data.dispute;
  assert.equal(dispute.status, 'open');
  assert.deepEqual(dispute.amount, { amount_minor: 5000, currency: 'CNY' });
  const again = await member.post(`/api/v1/payments/${payment.id}/disputes`, { reason: 'again' });
  assert.equal(again.status, 409);
  assert.equal(again.data.error.code, 'disputes.already_open');

  // The owner sees it beside the payment and in the community's list.
  assert.equal((await owner.get(`/api/v1/payments/${payment.id}/disputes`)).data.disputes[0].id, dispute.id);
  assert.equal((await owner.get('/api/v1/communities/fbclub/disputes')).data.disputes.length, 1);
  assert.equal((await member.get('/api/v1/communities/fbclub/disputes')).status, 403);
  assert.equal((await other.get(`/api/v1/disputes/${dispute.id}`)).status, 404);

  assert.equal((await owner.post(`/api/v1/disputes/${dispute.id}/messages`, { body: 'Let me check.' })).status, 201);
  assert.equal((await member.post(`/api/v1/disputes/${dispute.id}/resolve`, { outcome: 'refund' })).status, 403);
  assert.equal((await owner.post(`/api/v1/disputes/${dispute.id}/resolve`, { outcome: 'reject', reason: '' })).status, 400);
  const refunded = await owner.post(`/api/v1/disputes/${dispute.id}/resolve`, { outcome: 'refund', reason: 'Sorry about that.' });
  assert.equal(refunded.status, 200, refunded.text);
  assert.equal(refunded.data.dispute.status, 'refunded');
  assert.equal(refunded.data.dispute.payment_status, 'refunded');
  assert.equal((await owner.post(`/api/v1/disputes/${dispute.id}/resolve`, { outcome: 'reject', reason: 'x' })).data.error.code, 'disputes.resolved');
  const payments = (await member.get('/api/v1/me/payments')).data;
  assert.ok(JSON.stringify(payments).includes('refunded'));
  // The owners heard of the dispute, the member of the reply and of the outcome.
  const notes = async (who) => (await who.get('/api/v1/me/notifications')).data.notifications
    .filter((n) => n.link === `/disputes/${dispute.id}`).map((n) => n.kind);
  assert.deepEqual(await notes(owner), ['dispute_opened']);
  assert.deepEqual(await notes(admin), ['dispute_opened']);
  assert.deepEqual(await notes(member), ['dispute_refunded', 'dispute_reply']);

  // Through the pages: open from the account's payment, reject from the owner's side.
  const second = await pay(other);
  const browser = await browserFor(other);
  const account = await browser.get('/account/billing');
  assert.ok(account.text.includes(`/payments/${second.id}/disputes`));
  const page = await browser.get(`/payments/${second.id}/disputes`);
  assert.equal(page.status, 200);
  assert.equal((await browser.request('POST', `/payments/${second.id}/disputes`, { form: { reason: 'no token' } })).status, 403);
  const made = await browser.request('POST', `/payments/${second.id}/disputes`, { form: { _csrf: csrfOf(page), reason: 'Page dispute' } });
  assert.equal(made.status, 303);
  const url = made.headers.get('location');
  const ownerBrowser = await browserFor(owner);
  assert.ok((await ownerBrowser.get('/c/fbclub/disputes')).text.includes(second.id));
  const ownerPage = await ownerBrowser.get(url);
  assert.ok(ownerPage.text.includes('Page dispute'));
  const rejected = await ownerBrowser.request('POST', `${url}/resolve`, { form: { _csrf: csrfOf(ownerPage), outcome: 'reject', reason: 'Used for a month.' } });
  assert.equal(rejected.status, 303);
  const final = (await other.get(`/api/v1/disputes/${url.split('/').pop()}`)).data.dispute;
  assert.equal(final.status, 'rejected');
  assert.equal(final.resolution, 'Used for a month.');
});

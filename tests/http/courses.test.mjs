// Courses end to end over HTTP: a paid course bought with the manual provider (page forms with
// CSRF) and through the Stripe stand-in, lessons completed, the quiz passed, the certificate
// issued and verified; locked lessons never leak their body (API or page) to a non-buyer, a
// refund takes access away, reviews and cohort seats; `guildhall ledger check` at the end.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startServer, Client, newUser, binary } from './harness.mjs';
import { startFakeStripe } from '../fakes/stripe.mjs';

let stripe, server, owner, course, preview, locked, quiz;

async function login(user) {
  const browser = new Client(server.base);
  await browser.post('/api/v1/auth/login', { login: user.username, password: 'correct horse battery' });
  return browser;
}

before(async () => {
  stripe = await startFakeStripe({ secretKey: 'sk_test_courses', webhookSecret: 'whsec_courses' });
  server = await startServer(['--platform-fee-bps', '1000', '--stripe-api-base', stripe.base,
    '--stripe-secret-key', stripe.secretKey, '--stripe-webhook-secret', stripe.webhookSecret]);
  owner = await newUser(server.base, 'teacher');
  await owner.post('/api/v1/communities', { slug: 'academy', name: 'Academy' });
  const created = await owner.post('/api/v1/communities/academy/courses', {
    title: 'Systems programming', summary: 'Bits and bytes', access: 'paid', price: { amount_minor: 4900, currency: 'CNY' } });
  assert.equal(created.status, 201, created.text);
  course = created.data.course;
  assert.deepEqual(course.price, { amount_minor: 4900, currency: 'CNY' });
  preview = (await owner.post(`/api/v1/courses/${course.id}/lessons`, { title: 'Welcome', kind: 'text', body_md: 'PREVIEW_TEXT', preview: true })).data.lesson;
  locked = (await owner.post(`/api/v1/courses/${course.id}/lessons`, { title: 'Pointers', kind: 'video', video_url: 'https://www.youtube.com/watch?v=abc123', body_md: 'LOCKED_BODY_TEXT' })).data.lesson;
  const q = await owner.post(`/api/v1/courses/${course.id}/lessons`, {
    title: 'Check yourself', kind: 'quiz', pass_percent: 100, questions: [
      { kind: 'single', prompt: 'Size of a byte?', options: ['7 bits', '8 bits'], correct: [1] },
      { kind: 'short', prompt: 'Name the language', answers: ['SECRETANSWER'] }] });
  assert.equal(q.status, 201, q.text);
  quiz = q.data.lesson;
  assert.equal(quiz.questions[0].options[1].correct, true, 'the instructor sees the answers');
});
after(async () => { await server.stop(); await stripe.close(); });

test('bad input is refused with field errors and writes nothing', async () => {
  let r = await owner.post('/api/v1/communities/academy/courses', { title: '', access: 'free' });
  assert.equal(r.status, 400);
  assert.ok(r.data.error.fields.title);
  r = await owner.post('/api/v1/communities/academy/courses', { title: 'X', access: 'paid' });
  assert.equal(r.data.error.code, 'learn.price_required');
  r = await owner.post(`/api/v1/courses/${course.id}/lessons`, { title: 'V', kind: 'video', video_url: 'https://evil.example/x' });
  assert.equal(r.data.error.code, 'learn.video_host');
  const stranger = await newUser(server.base, 'stranger');
  r = await stranger.post(`/api/v1/courses/${course.id}/lessons`, { title: 'Mine', kind: 'text', body_md: 'x' });
  assert.equal(r.status, 403);
  r = await stranger.post('/api/v1/communities/academy/courses', { title: 'Mine', access: 'free' });
  assert.equal(r.status, 403);
  assert.equal((await new Client(server.base).get(`/api/v1/courses/${course.id}`)).data.course.lesson_count, 3);
});

test('a locked lesson never reaches a non-buyer, by API or page; answers stay hidden', async () => {
  const visitor = await newUser(server.base, 'visitor');
  const anon = new Client(server.base);
  for (const client of [visitor, anon]) {
    const l = await client.get(`/api/v1/lessons/${locked.id}`);
    assert.equal(l.status, 200);
    assert.equal(l.data.lesson.locked, true);
    assert.equal(l.data.lesson.title, 'Pointers');
    assert.doesNotMatch(l.text, /LOCKED_BODY_TEXT|abc123/);
    const c = await client.get(`/api/v1/courses/${course.id}`);
    assert.doesNotMatch(c.text, /LOCKED_BODY_TEXT|PREVIEW_TEXT|SECRETANSWER/);
    const qz = await client.get(`/api/v1/lessons/${quiz.id}`);
    assert.doesNotMatch(qz.text, /SECRETANSWER|8 bits|"correct"/);
    const open = await client.get(`/api/v1/lessons/${preview.id}`);
    assert.match(open.data.lesson.body_html, /PREVIEW_TEXT/);
  }
  const browser = await login(visitor);
  for (const client of [browser, anon]) {
    const page = await client.get(`/lessons/${locked.id}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Pointers/);
    assert.doesNotMatch(page.text, /LOCKED_BODY_TEXT|abc123/);
    assert.doesNotMatch((await client.get(`/lessons/${quiz.id}`)).text, /SECRETANSWER|8 bits/);
    assert.doesNotMatch((await client.get(`/courses/${course.id}`)).text, /LOCKED_BODY_TEXT/);
    assert.match((await client.get(`/lessons/${preview.id}`)).text, /PREVIEW_TEXT/);
  }
  const enroll = await visitor.post(`/api/v1/courses/${course.id}/enroll`, {});
  assert.equal(enroll.status, 402);
  assert.equal(enroll.data.error.code, 'learn.payment_required');
  assert.equal((await visitor.post(`/api/v1/lessons/${locked.id}/complete`, {})).status, 403);
  assert.equal((await visitor.post(`/api/v1/lessons/${quiz.id}/attempts`, { answers: [] })).status, 403);
});

test('buy with the manual provider through the pages, learn, pass the quiz, get and verify the certificate, refund', async () => {
  const learner = await newUser(server.base, 'learner');
  const browser = await login(learner);
  const page = await browser.get(`/courses/${course.id}`);
  assert.match(page.text, /Buy for/);
  let csrf = page.text.match(/name="_csrf" value="([^"]+)"/)[1];
  const bought = await browser.request('POST', '/checkout', { form: { _csrf: csrf, item_kind: 'course', item_id: String(course.id), provider: 'manual' } });
  assert.equal(bought.status, 303, bought.text);
  const checkoutId = bought.headers.get('location').split('/').pop();
  assert.match(checkoutId, /^co_/);
  const confirmed = await owner.post(`/api/v1/checkout/${checkoutId}/confirm`, {});
  assert.equal(confirmed.status, 200, confirmed.text);
  const payment = confirmed.data.payment;

  const lesson = await learner.get(`/api/v1/lessons/${locked.id}`);
  assert.equal(lesson.data.lesson.locked, false);
  assert.match(lesson.data.lesson.body_html, /LOCKED_BODY_TEXT/);
  assert.equal(lesson.data.lesson.video_embed_url, 'https://www.youtube-nocookie.com/embed/abc123');
  const coursePage = await browser.get(`/courses/${course.id}`);
  assert.match(coursePage.text, /<progress max="100" value="0">/);
  assert.match(coursePage.text, new RegExp(`href="/lessons/${preview.id}">Continue where you left off`));

  // Complete the two lessons through the page forms.
  csrf = await browser.csrfFrom(`/lessons/${preview.id}`);
  let done = await browser.request('POST', `/lessons/${preview.id}/complete`, { form: { _csrf: csrf } });
  assert.equal(done.status, 303);
  assert.equal(done.headers.get('location'), `/lessons/${locked.id}`);
  assert.equal((await browser.request('POST', `/lessons/${preview.id}/complete`, { form: {} })).status, 403, 'CSRF required');
  const saved = await learner.request('PUT', `/api/v1/lessons/${locked.id}/position`, { json: { seconds: 42 } });
  assert.equal(saved.status, 200);
  assert.equal((await learner.get(`/api/v1/lessons/${locked.id}`)).data.lesson.position_seconds, 42);
  done = await learner.post(`/api/v1/lessons/${locked.id}/complete`, {});
  assert.equal(done.status, 200);
  assert.equal(done.data.progress.completed, 2);
  assert.equal(done.data.progress.continue_lesson_id, quiz.id);
  let progress = await learner.get(`/api/v1/courses/${course.id}/progress`);
  assert.equal(progress.data.completed, 2);
  assert.equal(progress.data.total, 3);

  // The quiz: wrong first (nothing issued), right through the page form.
  const questions = (await learner.get(`/api/v1/lessons/${quiz.id}`)).data.lesson.questions;
  assert.equal(questions[0].options.length, 2);
  assert.equal(questions[0].options[0].correct, undefined);
  const wrong = await learner.post(`/api/v1/lessons/${quiz.id}/attempts`, { answers: [
    { question_id: questions[0].id, option_ids: [questions[0].options[0].id] }, { question_id: questions[1].id, text: 'nope' }] });
  assert.equal(wrong.status, 201);
  assert.equal(wrong.data.attempt.passed, false);
  // A failed attempt says which answers were wrong, never what the right ones are.
  assert.ok(!JSON.stringify(wrong.data).includes('SECRETANSWER'));
  assert.ok(wrong.data.attempt.results.every((r) => r.options.every((o) => !('correct' in o))));
  assert.equal(wrong.data.attempt.certificate_url, null);
  const quizPage = await browser.get(`/lessons/${quiz.id}`);
  csrf = quizPage.text.match(/name="_csrf" value="([^"]+)"/)[1];
  const result = await browser.request('POST', `/lessons/${quiz.id}/quiz`, { form: {
    _csrf: csrf, [`q${questions[0].id}`]: String(questions[0].options[1].id), [`q${questions[1].id}`]: '  secretanswer ' } });
  assert.equal(result.status, 200, result.text);
  assert.match(result.text, /Passed!/);
  const certUrl = result.text.match(/href="(\/certificates\/[^"]+)"/)[1];
  progress = await learner.get(`/api/v1/courses/${course.id}/progress`);
  assert.equal(progress.data.completed, 3);
  assert.equal(progress.data.certificate_url, certUrl);
  const issued = (await learner.get('/api/v1/me/notifications')).data.notifications.filter((n) => n.kind === 'certificate_issued');
  assert.equal(issued.length, 1, 'the learner hears of the certificate once');
  assert.equal(issued[0].link, certUrl);
  assert.equal(issued[0].title, 'Systems programming');

  // Anyone verifies it; a tampered id is not genuine.
  const code = certUrl.split('/').pop();
  const verified = await new Client(server.base).get(`/api/v1/certificates/${code}/verify`);
  assert.equal(verified.status, 200);
  assert.equal(verified.data.genuine, true);
  assert.equal(verified.data.certificate.learner.username, learner.username);
  assert.equal(verified.data.certificate.course.title, 'Systems programming');
  const [id, mac] = code.split('-');
  assert.equal((await new Client(server.base).get(`/api/v1/certificates/${Number(id) + 1}-${mac}/verify`)).status, 404);
  assert.equal((await new Client(server.base).get(`/api/v1/certificates/${id}-${mac.replace(/^./, (c) => (c === 'a' ? 'b' : 'a'))}/verify`)).status, 404);
  assert.equal((await new Client(server.base).get(`/certificates/${id}-0000/print`)).status, 404);
  const certPage = await new Client(server.base).get(certUrl);
  assert.match(certPage.text, /This certificate is genuine/);
  assert.match(certPage.text, new RegExp(learner.username));
  const print = await new Client(server.base).get(`${certUrl}/print`);
  assert.equal(print.status, 200);
  assert.match(print.text, /class="certificate card"/);
  assert.match(print.text, /Verify at/);

  // Points: once per lesson.
  const points = (await learner.get('/api/v1/me/points')).data.entries.filter((e) => e.reason === 'lesson_completed');
  assert.equal(points.length, 3);
  await learner.post(`/api/v1/lessons/${locked.id}/complete`, {});
  assert.equal((await learner.get('/api/v1/me/points')).data.entries.filter((e) => e.reason === 'lesson_completed').length, 3);

  // Reviews: the learner, not a stranger.
  const stranger = await newUser(server.base, 'nosy');
  assert.equal((await stranger.request('PUT', `/api/v1/courses/${course.id}/reviews/mine`, { json: { rating: 1, body: 'meh' } })).status, 403);
  csrf = await browser.csrfFrom(`/courses/${course.id}`);
  assert.equal((await browser.request('POST', `/courses/${course.id}/reviews`, { form: { _csrf: csrf, rating: '4', body: 'Clear and deep' } })).status, 303);
  await learner.request('PUT', `/api/v1/courses/${course.id}/reviews/mine`, { json: { rating: 5, body: 'Even better' } });
  const reviews = await new Client(server.base).get(`/api/v1/courses/${course.id}/reviews`);
  assert.equal(reviews.data.reviews.length, 1);
  assert.deepEqual(reviews.data.rating, { count: 1, average: 5 });

  // A refund takes the paid access away at once.
  const refunded = await owner.post(`/api/v1/payments/${payment.id}/refund`, {});
  assert.equal(refunded.status, 200, refunded.text);
  const after = await learner.get(`/api/v1/lessons/${locked.id}`);
  assert.equal(after.data.lesson.locked, true);
  assert.doesNotMatch(after.text, /LOCKED_BODY_TEXT/);
  assert.doesNotMatch((await browser.get(`/lessons/${locked.id}`)).text, /LOCKED_BODY_TEXT/);
  assert.equal((await learner.post(`/api/v1/lessons/${locked.id}/complete`, {})).status, 403);
});

test('buy through the Stripe stand-in', async () => {
  const fan = await newUser(server.base, 'fan');
  const started = await fan.post('/api/v1/checkout', { item_kind: 'course', item_id: course.id, provider: 'stripe' });
  assert.equal(started.status, 201, started.text);
  const session = stripe.sessionFor(started.data.checkout.id);
  assert.equal(stripe.calls('POST', '/v1/checkout/sessions').at(-1).form.mode, 'payment');
  assert.equal((await fan.get(`/api/v1/lessons/${locked.id}`)).data.lesson.locked, true);
  assert.equal((await stripe.send(`${server.base}/webhooks/stripe`, stripe.event('checkout.session.completed', stripe.paidSession(session)))).status, 200);
  const open = await fan.get(`/api/v1/lessons/${locked.id}`);
  assert.equal(open.data.lesson.locked, false);
  const c = (await fan.get(`/api/v1/courses/${course.id}`)).data.course;
  assert.equal(c.viewer.enrolled, true);
  assert.equal(c.viewer.paid, true);
  const again = await fan.post('/api/v1/checkout', { item_kind: 'course', item_id: course.id, provider: 'manual' });
  assert.equal(again.status, 409);
});

test('instructors edit through the pages; cohorts refuse a full one', async () => {
  const browser = await login(owner);
  let csrf = await browser.csrfFrom('/c/academy/courses');
  let r = await browser.request('POST', '/c/academy/courses', { form: { _csrf: csrf, title: '', access: 'free' } });
  assert.equal(r.status, 400);
  r = await browser.request('POST', '/c/academy/courses', { form: { _csrf: csrf, title: 'Free intro', summary: 'Start here', access: 'free' } });
  assert.equal(r.status, 303);
  const editUrl = r.headers.get('location');
  const id = Number(editUrl.split('/')[2]);
  csrf = await browser.csrfFrom(editUrl);
  assert.equal((await browser.request('POST', `/courses/${id}/sections`, { form: { _csrf: csrf, title: 'Basics' } })).status, 303);
  for (const title of ['First', 'Second']) {
    r = await browser.request('POST', `/courses/${id}/lessons`, { form: { _csrf: csrf, title, kind: 'text', body_md: `${title} body` } });
    assert.equal(r.status, 303);
  }
  r = await browser.request('POST', `/courses/${id}/lessons`, { form: { _csrf: csrf, title: 'Quiz', kind: 'quiz', pass_percent: '50', questions: '? single: Pick\n- a\n* b' } });
  assert.equal(r.status, 303);
  r = await browser.request('POST', `/courses/${id}/lessons`, { form: { _csrf: csrf, title: 'Bad', kind: 'quiz', questions: 'nonsense' } });
  assert.equal(r.status, 400);
  let got = (await owner.get(`/api/v1/courses/${id}`)).data.course;
  const lessons = got.sections[0].lessons;
  assert.deepEqual(lessons.map((l) => l.title), ['First', 'Second', 'Quiz']);
  assert.equal((await browser.request('POST', `/lessons/${lessons[1].id}/move`, { form: { _csrf: csrf, position: '1' } })).status, 303);
  got = (await owner.get(`/api/v1/courses/${id}`)).data.course;
  assert.deepEqual(got.sections[0].lessons.map((l) => l.title), ['Second', 'First', 'Quiz']);
  const editPage = await browser.get(`/lessons/${lessons[2].id}/edit`);
  assert.match(editPage.text, /\* b/);
  r = await browser.request('POST', `/courses/${id}/cohorts`, { form: { _csrf: csrf, title: 'May', starts_at: '2030-05-01T09:00', ends_at: '2030-06-01T09:00', seat_limit: '1' } });
  assert.equal(r.status, 303);
  const cohort = (await owner.get(`/api/v1/courses/${id}/cohorts`)).data.cohorts[0];
  r = await browser.request('POST', `/cohorts/${cohort.id}/sessions`, { form: { _csrf: csrf, course_id: String(id), title: 'Live Q&A', starts_at: '2030-05-02T09:00', ends_at: '2030-05-02T10:00', link: 'https://meet.example/secret-room' } });
  assert.equal(r.status, 303);

  const first = await newUser(server.base, 'early');
  const second = await newUser(server.base, 'late');
  assert.equal((await first.post(`/api/v1/courses/${id}/enroll`, { cohort_id: cohort.id })).status, 201);
  const refused = await second.post(`/api/v1/cohorts/${cohort.id}/join`, {});
  assert.equal(refused.status, 409);
  assert.equal(refused.data.error.code, 'learn.cohort_full');
  assert.equal((await first.get(`/api/v1/courses/${id}/cohorts`)).data.cohorts[0].sessions[0].link, 'https://meet.example/secret-room');
  assert.equal((await second.get(`/api/v1/courses/${id}/cohorts`)).data.cohorts[0].sessions[0].link, null);
  assert.doesNotMatch((await new Client(server.base).get(`/courses/${id}`)).text, /secret-room/);
  assert.match((await new Client(server.base).get('/c/academy/courses')).text, /Free intro/);
});

test("a file lesson: only this community's stored files; the learner gets a signed link, others none", async () => {
  const upload = (client, slug, name, bytes) => client.request('POST', `/api/v1/communities/${slug}/files?name=${name}`, {
    raw: bytes, headers: { 'Content-Type': 'application/octet-stream' } });
  const notes = await upload(owner, 'academy', 'notes.pdf', Buffer.from('%PDF-1.4 NOTES_BYTES'));
  assert.equal(notes.status, 201, notes.text);
  const stranger = await newUser(server.base, 'otherschool');
  await stranger.post('/api/v1/communities', { slug: 'otherschool', name: 'Other school' });
  const theirs = await upload(stranger, 'otherschool', 'theirs.pdf', Buffer.from('%PDF-1.4 THEIRS'));
  assert.equal(theirs.status, 201, theirs.text);

  const foreign = await owner.post(`/api/v1/courses/${course.id}/lessons`, { title: 'Stolen', kind: 'file', file_id: theirs.data.file.id });
  assert.equal(foreign.status, 400);
  assert.equal(foreign.data.error.code, 'learn.invalid_file');
  const notVideo = await owner.post(`/api/v1/courses/${course.id}/lessons`, { title: 'Not a video', kind: 'video', file_id: notes.data.file.id });
  assert.equal(notVideo.status, 400);
  assert.equal(notVideo.data.error.code, 'learn.not_a_video');
  const made = await owner.post(`/api/v1/courses/${course.id}/lessons`, { title: 'Notes', kind: 'file', file_id: notes.data.file.id });
  assert.equal(made.status, 201, made.text);
  const lessonId = made.data.lesson.id;

  // The teacher (staff) gets the link; it serves the file as a download.
  const mine = (await owner.get(`/api/v1/lessons/${lessonId}`)).data.lesson;
  assert.match(mine.media.url, new RegExp(`^/media/${notes.data.file.id}/notes\\.pdf\\?e=\\d+&s=[0-9a-f]{64}$`));
  const served = await new Client(server.base).get(mine.media.url);
  assert.equal(served.status, 200);
  assert.equal(served.text, '%PDF-1.4 NOTES_BYTES');
  assert.match(served.headers.get('content-disposition'), /attachment/);
  const teacherBrowser = new Client(server.base);
  assert.equal((await teacherBrowser.post('/api/v1/auth/login', { login: owner.username, password: 'correct horse battery' })).status, 200);
  assert.match((await teacherBrowser.get(`/lessons/${lessonId}`)).text, /href="\/media\/\d+\/notes\.pdf\?e(=|&#61;)/);

  // A member who has not bought the course: no link at either door.
  const member = await newUser(server.base, 'window');
  await member.post('/api/v1/communities/academy/join', {});
  const shut = (await member.get(`/api/v1/lessons/${lessonId}`)).data.lesson;
  assert.equal(shut.locked, true);
  assert.equal(shut.media, undefined);
  assert.doesNotMatch((await member.get(`/lessons/${lessonId}`)).text, /\/media\//);
});

test('the books balance', async () => {
  const out = execFileSync(binary, ['ledger', 'check', '--database', server.database], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(out, /ledger check: ok/);
});

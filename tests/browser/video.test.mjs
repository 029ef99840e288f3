// Browser test of media streaming: a creator uploads a video through the staff files page (the
// page's script posts the raw bytes with the CSRF token), the page's player plays it from a
// signed /media link, and seeking makes chromium ask for a byte range that the server answers
// 206 with Content-Range. An altered link is refused 403.
//
// The video is tests/fixtures/seek-test.mp4 (98 KB; VP9 + Opus in MP4, 8 s, 160x90, moov first,
// audio and video interleaved in 80 chunks), made once with:
//   ffmpeg -f lavfi -i "testsrc2=size=160x90:rate=10:duration=8" \
//     -f lavfi -i "sine=frequency=440:duration=8:sample_rate=48000" -c:v libvpx-vp9 -b:v 60k -g 10 \
//     -deadline good -cpu-used 4 -pix_fmt yuv420p -c:a libopus -b:a 24k -ac 1 -movflags +faststart \
//     -shortest seek-test.mp4
// A file that small is read whole at once, so seeking in it would need no request. For the seek
// test the file is made large without re-encoding: 128 MB of padding go into the media data
// before the chunk that plays at about half time, and every chunk offset after it (stco) moves
// by that much. The padding is never referenced, so the video plays the same, and a seek into
// the second half lands far beyond what the player has read: chromium must open a new range.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer, Client } from '../http/harness.mjs';
import { launchBrowser, newPage, PASSWORD } from './support.mjs';

const FAILURE_SCREENSHOT = '/tmp/gh-browser-video-failure.png';
const FIXTURE = new URL('../fixtures/seek-test.mp4', import.meta.url);
// Chromium reads ahead at most 50 MB (its multibuffer preload cap; the padding also makes the
// file's apparent bitrate high enough to reach that cap), so the padding must be well beyond it
// for the seek target never to be read ahead.
const PADDING = 128 * 1024 * 1024;

let server;
let browser;
// Set by the first test: the creator's client and the large video's file id and layout.
let creator = null;
let lessonVideo = null;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  try { if (browser) await browser.close(); } catch { /* already gone */ }
  if (server) await server.stop();
});

// The top-level boxes of an MP4 file: [{type, offset, size}].
function boxes(data, start, end) {
  const out = [];
  for (let offset = start; offset < end;) {
    const size = data.readUInt32BE(offset);
    const type = data.toString('latin1', offset + 4, offset + 8);
    out.push({ type, offset, size });
    offset += size;
  }
  return out;
}

// The stco boxes of every track: moov > trak > mdia > minf > stbl > stco.
function chunkOffsetTables(data) {
  const tables = [];
  const walk = (start, end) => {
    for (const box of boxes(data, start, end)) {
      if (['moov', 'trak', 'mdia', 'minf', 'stbl'].includes(box.type)) walk(box.offset + 8, box.offset + box.size);
      if (box.type === 'stco') tables.push(box);
      assert.notEqual(box.type, 'co64', 'the fixture uses 32-bit chunk offsets');
    }
  };
  walk(0, data.length);
  return tables;
}

// The fixture with `padding` zero bytes inside mdat before the chunk nearest its middle.
function padded(data, padding) {
  const mdat = boxes(data, 0, data.length).find((b) => b.type === 'mdat');
  assert.ok(mdat && chunkOffsetTables(data).length === 2, 'moov first, two tracks');
  const offsets = [];
  for (const table of chunkOffsetTables(data)) {
    const count = data.readUInt32BE(table.offset + 12);
    for (let i = 0; i < count; i++) offsets.push(data.readUInt32BE(table.offset + 16 + 4 * i));
  }
  const middle = mdat.offset + mdat.size / 2;
  const cut = offsets.filter((o) => o >= middle).sort((a, b) => a - b)[0];
  const out = Buffer.concat([data.subarray(0, cut), Buffer.alloc(padding), data.subarray(cut)]);
  out.writeUInt32BE(mdat.size + padding, mdat.offset);
  for (const table of chunkOffsetTables(out)) {
    const count = out.readUInt32BE(table.offset + 12);
    for (let i = 0; i < count; i++) {
      const at = table.offset + 16 + 4 * i;
      const offset = out.readUInt32BE(at);
      if (offset >= cut) out.writeUInt32BE(offset + padding, at);
    }
  }
  return { bytes: out, cut };
}

test('the staff page uploads a video, plays it, and seeking is served as a 206 range', async (t) => {
  const name = `creator${Date.now() % 100000}`;
  const api = new Client(server.base);
  const signup = await api.post('/api/v1/auth/signup', { email: `${name}@example.com`, username: name, password: PASSWORD });
  assert.equal(signup.status, 201, signup.text);
  assert.equal((await api.post('/api/v1/communities', { slug: 'video-room', name: 'Video Room' })).status, 201);
  const page = await newPage(browser, server.base, name);
  await page.context().addCookies([{ name: 'gh_session', value: api.cookies.get('gh_session'), url: server.base }]);

  const media = [];  // Every request for /media/ with its Range header and answer.
  page.on('request', (request) => {
    if (new URL(request.url()).pathname.startsWith('/media/')) {
      media.push({ request, url: request.url(), range: request.headers().range || '', status: null, contentRange: null });
    }
  });
  page.on('response', async (response) => {
    const entry = media.find((m) => m.request === response.request());
    if (entry) {
      entry.status = response.status();
      entry.contentRange = (await response.allHeaders())['content-range'] || null;
    }
  });

  try {
    // Upload through the page: its script posts the raw file with the CSRF token.
    const fixture = readFileSync(FIXTURE);
    await page.goto('/c/video-room/files');
    await page.setInputFiles('#file-upload input[type=file]', { name: 'small.mp4', mimeType: 'video/mp4', buffer: fixture });
    await Promise.all([page.waitForNavigation(), page.click('#file-upload button[type=submit]')]);
    await page.waitForSelector('li.file-item video');
    const listed = (await api.get('/api/v1/communities/video-room/files')).data.files;
    assert.equal(listed.length, 1);
    assert.equal(listed[0].name, 'small.mp4');
    assert.equal(listed[0].size, fixture.length);

    // The large version goes up through the API (the same route the page used).
    const large = padded(fixture, PADDING);
    const uploaded = await api.request('POST', '/api/v1/communities/video-room/files?name=lesson.mp4', {
      raw: large.bytes, headers: { 'Content-Type': 'video/mp4', 'X-CSRF-Token': await csrfOf(page) },
    });
    assert.equal(uploaded.status, 201, uploaded.text);
    const id = uploaded.data.file.id;
    creator = api;
    lessonVideo = { id, cut: large.cut, size: large.bytes.length };
    await page.reload();
    const selector = `li.file-item[data-file-id="${id}"] video`;
    await page.waitForSelector(selector);
    const mediaPath = await page.$eval(selector, (v) => new URL(v.src).pathname);
    assert.equal(mediaPath, `/media/${id}/lesson.mp4`);

    // Plays: metadata (8 s), then time advances.
    await page.waitForFunction((s) => document.querySelector(s).readyState >= 1, selector);
    const duration = await page.$eval(selector, (v) => v.duration);
    assert.ok(Math.abs(duration - 8) < 0.2, `duration ${duration}`);
    await page.$eval(selector, (v) => { v.muted = true; return v.play(); });
    await page.waitForFunction((s) => document.querySelector(s).currentTime > 0.5, selector);
    await page.$eval(selector, (v) => v.pause());
    const ours = () => media.filter((m) => new URL(m.url).pathname === mediaPath);
    const before = ours().length;
    assert.ok(before >= 1);

    // Seek into the second half, beyond the padding: a new range request, answered 206.
    await page.$eval(selector, (v) => new Promise((resolve) => {
      v.addEventListener('seeked', resolve, { once: true });
      v.currentTime = 7;
    }));
    await page.waitForFunction((s) => document.querySelector(s).readyState >= 2, selector);
    // Playwright reports requests and responses asynchronously: wait for them to arrive.
    const rangeStart = (m) => Number((m.range.match(/^bytes=(\d+)-/) || [])[1] ?? -1);
    const pastPadding = () => ours().slice(before).find((m) => rangeStart(m) >= large.cut + PADDING && m.status !== null);
    for (let i = 0; i < 100 && !pastPadding(); i++) await new Promise((r) => setTimeout(r, 50));
    const seek = pastPadding();
    assert.ok(seek, `a range request past the padding after seeking: ${JSON.stringify(ours().map((m) => m.range))}`);
    assert.equal(seek.status, 206);
    const start = Number(seek.range.match(/^bytes=(\d+)-/)[1]);
    assert.match(seek.contentRange, new RegExp(`^bytes ${start}-\\d+/${large.bytes.length}$`));
    const time = await page.$eval(selector, (v) => v.currentTime);
    assert.ok(Math.abs(time - 7) < 0.5, `currentTime ${time}`);

    assert.deepEqual(page.problems, []);
    t.diagnostic(`media requests: ${ours().map((m) => `${m.range || '(no range)'} -> ${m.status}`).join(', ')}`);

    // The same link altered: 403, in the browser too (chromium logs the 403 itself).
    const tampered = await page.evaluate(async (src) => {
      const url = new URL(src);
      url.searchParams.set('e', String(Number(url.searchParams.get('e')) + 1000));
      return (await fetch(url, { headers: { Range: 'bytes=0-99' } })).status;
    }, await page.$eval(selector, (v) => v.src));
    assert.equal(tampered, 403);
  } catch (error) {
    await page.screenshot({ path: FAILURE_SCREENSHOT, fullPage: true }).catch(() => {});
    throw error;
  }
});

async function csrfOf(page) {
  return page.$eval('#file-upload', (form) => form.dataset.csrf);
}

// The issue's case: a video lesson of a paid course. The buyer's lesson page plays the stored file
// from a signed link and seeking is a 206 range; someone who has not paid gets neither the player
// nor the link (page and API); the link altered or expired is 403.
test('a paid video lesson: the buyer plays and seeks it; a non-buyer gets no link', async (t) => {
  assert.ok(creator && lessonVideo, 'the first test uploaded the video');
  const course = (await creator.post('/api/v1/communities/video-room/courses', {
    title: 'Video course', summary: 'Seek me', access: 'paid', price: { amount_minor: 1000, currency: 'CNY' } })).data.course;
  const lesson = await creator.post(`/api/v1/courses/${course.id}/lessons`, { title: 'The video', kind: 'video', file_id: lessonVideo.id });
  assert.equal(lesson.status, 201, lesson.text);
  const lessonId = lesson.data.lesson.id;

  const buyerName = `learner${Date.now() % 100000}`;
  const buyer = new Client(server.base);
  assert.equal((await buyer.post('/api/v1/auth/signup', { email: `${buyerName}@example.com`, username: buyerName, password: PASSWORD })).status, 201);
  const outsider = new Client(server.base);
  assert.equal((await outsider.post('/api/v1/auth/signup', { email: `x${buyerName}@example.com`, username: `x${buyerName}`, password: PASSWORD })).status, 201);
  await outsider.post('/api/v1/communities/video-room/join', {});
  const checkout = (await buyer.post('/api/v1/checkout', { item_kind: 'course', item_id: course.id, provider: 'manual' })).data.checkout;
  assert.equal((await creator.post(`/api/v1/checkout/${checkout.id}/confirm`, {})).status, 200);

  // Not paid: no player, no link, at either door.
  const locked = await outsider.get(`/lessons/${lessonId}`);
  assert.doesNotMatch(locked.text, /\/media\//);
  const lockedApi = (await outsider.get(`/api/v1/lessons/${lessonId}`)).data.lesson;
  assert.equal(lockedApi.locked, true);
  assert.equal(lockedApi.media, undefined);
  assert.ok(!JSON.stringify(lockedApi).includes('/media/'));

  const page = await newPage(browser, server.base, buyerName);
  await page.context().addCookies([{ name: 'gh_session', value: buyer.cookies.get('gh_session'), url: server.base }]);
  const ranges = [];
  page.on('response', async (response) => {
    if (new URL(response.url()).pathname.startsWith('/media/')) {
      ranges.push({ range: response.request().headers().range || '', status: response.status(), contentRange: (await response.allHeaders())['content-range'] || null });
    }
  });
  try {
    await page.goto(`/lessons/${lessonId}`);
    const selector = 'video[data-lesson-video]';
    await page.waitForSelector(selector);
    const src = await page.$eval(selector, (v) => v.src);
    assert.match(new URL(src).pathname, new RegExp(`^/media/${lessonVideo.id}/`));
    await page.waitForFunction((sel) => document.querySelector(sel).readyState >= 1, selector);
    await page.$eval(selector, (v) => new Promise((resolve) => {
      v.addEventListener('seeked', resolve, { once: true });
      v.currentTime = 7;
    }));
    const past = () => ranges.find((m) => Number((m.range.match(/^bytes=(\d+)-/) || [])[1] ?? -1) >= lessonVideo.cut && m.status !== null);
    for (let i = 0; i < 100 && !past(); i++) await new Promise((r) => setTimeout(r, 50));
    const seek = past();
    assert.ok(seek, `a range request after seeking: ${JSON.stringify(ranges)}`);
    assert.equal(seek.status, 206);
    assert.match(seek.contentRange, new RegExp(`/${lessonVideo.size}$`));
    t.diagnostic(`lesson media requests: ${ranges.map((m) => `${m.range || '(no range)'} -> ${m.status}`).join(', ')}`);

    // Playing and pausing saves the position; the page opened again resumes there.
    await page.$eval(selector, (v) => new Promise((resolve) => {
      v.addEventListener('seeked', resolve, { once: true });
      v.currentTime = 3;
    }));
    await page.$eval(selector, (v) => { v.muted = true; return v.play(); });
    await page.waitForFunction((sel) => document.querySelector(sel).currentTime > 3.2, selector);
    await page.$eval(selector, (v) => v.pause());
    let saved = 0;
    for (let i = 0; i < 100 && saved !== 3; i++) {
      saved = (await buyer.get(`/api/v1/lessons/${lessonId}`)).data.lesson.position_seconds;
      if (saved !== 3) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(saved, 3, 'the pause saved the position');
    await page.reload();
    await page.waitForSelector(selector);
    await page.waitForFunction((sel) => document.querySelector(sel).currentTime >= 2.9, selector);

    // The buyer's link, altered or past its expiry, is refused; as it is, it works without cookies.
    const url = new URL(src);
    const plain = await fetch(url, { headers: { Range: 'bytes=0-99' } });
    assert.equal(plain.status, 206);
    const altered = new URL(url);
    altered.searchParams.set('s', url.searchParams.get('s').replace(/^./, (c) => (c === 'a' ? 'b' : 'a')));
    assert.equal((await fetch(altered, { headers: { Range: 'bytes=0-99' } })).status, 403);
    const expired = new URL(url);
    expired.searchParams.set('e', String(Date.now() - 1000));
    assert.equal((await fetch(expired)).status, 403);
    assert.deepEqual(page.problems, []);
  } catch (error) {
    await page.screenshot({ path: FAILURE_SCREENSHOT, fullPage: true }).catch(() => {});
    throw error;
  }
});

// Files: staff upload (the body streams to disk), list, delete, and signed expiring /media links
// served with Range support; a 200 MB file goes up and down without the server's memory growing
// with it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, openSync, readdirSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { startServer, Client, newUser } from './harness.mjs';

let server, owner, creator, member, outsider;
before(async () => {
  server = await startServer();
  owner = await newUser(server.base, 'owner');
  creator = await newUser(server.base, 'creator');
  member = await newUser(server.base, 'member');
  outsider = await newUser(server.base, 'outsider');
  await owner.post('/api/v1/communities', { slug: 'media', name: 'Media' });
  await owner.post('/api/v1/communities', { slug: 'other', name: 'Other' });
  for (const u of [creator, member]) await u.post('/api/v1/communities/media/join', {});
  await owner.patch(`/api/v1/communities/media/members/${creator.username}`, { role: 'creator' });
});
after(async () => { await server.stop(); });

const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => (i * 7) % 256));

function upload(client, slug, name, body, contentType = 'application/octet-stream') {
  return client.request('POST', `/api/v1/communities/${slug}/files?name=${encodeURIComponent(name)}`,
    { raw: body, headers: { 'Content-Type': contentType } });
}

// A GET of a /media path with optional headers, keeping the raw bytes.
async function media(path, headers = {}, method = 'GET') {
  const response = await fetch(server.base + path, { method, headers });
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, headers: response.headers, body };
}

const filesDir = () => join(server.dir, 'data', 'files');

test('creators and up upload; members and outsiders get 403; bad names get 400', async () => {
  const r = await upload(creator, 'media', 'lesson 1.mp4', bytes, 'video/mp4');
  assert.equal(r.status, 201, r.text);
  const file = r.data.file;
  assert.equal(file.name, 'lesson 1.mp4');
  assert.equal(file.content_type, 'video/mp4');
  assert.equal(file.size, 1000);
  assert.equal(file.sha256, createHash('sha256').update(bytes).digest('hex'));
  assert.match(file.url, new RegExp(`^/media/${file.id}/lesson%201\\.mp4\\?e=\\d+&s=[0-9a-f]{64}$`));
  assert.ok(existsSync(join(filesDir(), String(file.id))));

  assert.equal((await upload(member, 'media', 'x.mp4', bytes)).status, 403);
  assert.equal((await upload(member, 'media', 'x.mp4', bytes)).data.error.code, 'files.forbidden');
  assert.equal((await upload(outsider, 'media', 'x.mp4', bytes)).status, 403);
  assert.equal((await upload(creator, 'other', 'x.mp4', bytes)).status, 403, 'staff of one community only');
  // Refused from the head alone: the 8 MB body is never written anywhere.
  const refused = await upload(member, 'media', 'big.mp4', Buffer.alloc(8 * 1024 * 1024, 1));
  assert.equal(refused.status, 403);
  assert.equal(refused.data.error.code, 'files.forbidden');
  assert.equal((await upload(member, 'nope', 'x.mp4', bytes)).status, 404);
  // Anonymous: refused before anything is stored (the CSRF check comes first for cookie-less posts).
  assert.equal((await new Client(server.base).request('POST', '/api/v1/communities/media/files?name=a.txt', { raw: 'x' })).status, 403);
  assert.equal((await new Client(server.base).request('POST', '/api/v1/communities/media/files?name=a.txt',
    { raw: 'x', headers: { 'Content-Type': 'application/json' } })).status, 401);
  const html = await upload(owner, 'media', 'page.html', '<script>alert(1)</script>');
  assert.equal(html.status, 400);
  assert.equal(html.data.error.code, 'files.type_not_allowed');
  assert.equal((await upload(owner, 'media', '', 'x')).data.error.code, 'files.invalid_name');
  assert.equal((await upload(owner, 'media', 'empty.txt', '')).data.error.code, 'files.empty');
  assert.equal((await upload(owner, 'nope', 'a.txt', 'x')).status, 404);
  assert.deepEqual(readdirSync(join(filesDir(), 'tmp')), [], 'refused uploads leave nothing behind');
});

test('staff list files with signed links; members cannot', async () => {
  const listed = await owner.get('/api/v1/communities/media/files');
  assert.equal(listed.status, 200);
  assert.ok(listed.data.files.length >= 1);
  assert.ok(listed.data.files.every((f) => f.url.startsWith(`/media/${f.id}/`)));
  assert.equal((await member.get('/api/v1/communities/media/files')).status, 403);
  const one = await creator.get(`/api/v1/files/${listed.data.files[0].id}`);
  assert.equal(one.status, 200);
  assert.equal((await member.get(`/api/v1/files/${listed.data.files[0].id}`)).status, 403);
  assert.equal((await owner.get(`/api/v1/files/${listed.data.files[0].id}?ttl_seconds=0`)).status, 400);
});

test('a signed link serves the file with Range support, no caching and the stored type', async () => {
  const file = (await upload(owner, 'media', 'clip.webm', bytes, 'video/webm')).data.file;
  const whole = await media(file.url);
  assert.equal(whole.status, 200);
  assert.deepEqual(whole.body, bytes);
  assert.equal(whole.headers.get('content-type'), 'video/webm');
  assert.equal(whole.headers.get('accept-ranges'), 'bytes');
  assert.equal(whole.headers.get('cache-control'), 'private, no-store');
  assert.equal(whole.headers.get('x-content-type-options'), 'nosniff');
  assert.match(whole.headers.get('content-disposition'), /^inline; filename="clip.webm"/);

  const first = await media(file.url, { Range: 'bytes=0-9' });
  assert.equal(first.status, 206);
  assert.equal(first.headers.get('content-range'), 'bytes 0-9/1000');
  assert.deepEqual(first.body, bytes.subarray(0, 10));
  const middle = await media(file.url, { Range: 'bytes=500-599' });
  assert.equal(middle.status, 206);
  assert.deepEqual(middle.body, bytes.subarray(500, 600));
  const suffix = await media(file.url, { Range: 'bytes=-100' });
  assert.equal(suffix.status, 206);
  assert.equal(suffix.headers.get('content-range'), 'bytes 900-999/1000');
  assert.deepEqual(suffix.body, bytes.subarray(900));
  const open = await media(file.url, { Range: 'bytes=990-' });
  assert.equal(open.status, 206);
  assert.deepEqual(open.body, bytes.subarray(990));
  const beyond = await media(file.url, { Range: 'bytes=1000-' });
  assert.equal(beyond.status, 416);
  assert.equal(beyond.headers.get('content-range'), 'bytes */1000');
  const several = await media(file.url, { Range: 'bytes=0-1,5-6' });
  assert.equal(several.status, 200, 'multi-range is answered with the whole file');
  assert.equal(several.body.length, 1000);
  const head = await media(file.url, {}, 'HEAD');
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), '1000');
  assert.equal(head.body.length, 0);

  const pdf = (await upload(owner, 'media', 'notes.pdf', '%PDF-1.4 fake')).data.file;
  const download = await media(pdf.url);
  assert.equal(download.headers.get('content-type'), 'application/pdf');
  assert.match(download.headers.get('content-disposition'), /^attachment; /);
});

test('tampered links get 403 and reveal nothing', async () => {
  const a = (await upload(owner, 'media', 'a.mp3', bytes)).data.file;
  const b = (await upload(owner, 'media', 'b.mp3', bytes)).data.file;
  const [, query] = a.url.split('?');
  const params = new URLSearchParams(query);
  const tamperedId = await media(`/media/${b.id}/b.mp3?${query}`);
  assert.equal(tamperedId.status, 403);
  assert.equal(JSON.parse(tamperedId.body).error.code, 'files.bad_signature');
  const later = new URLSearchParams(params);
  later.set('e', String(Number(params.get('e')) + 3600_000));
  const tamperedExpiry = await media(`/media/${a.id}/a.mp3?${later}`);
  assert.equal(tamperedExpiry.status, 403);
  assert.equal(JSON.parse(tamperedExpiry.body).error.code, 'files.bad_signature');
  const sig = params.get('s');
  const flipped = new URLSearchParams(params);
  flipped.set('s', (sig[0] === 'a' ? 'b' : 'a') + sig.slice(1));
  assert.equal((await media(`/media/${a.id}/a.mp3?${flipped}`)).status, 403);
  assert.equal((await media(`/media/${a.id}/a.mp3`)).status, 403, 'no signature at all');
  assert.equal((await media(`/media/${a.id}/renamed.mp3?${query}`)).status, 200, 'the name is decoration');
  assert.equal((await media(`/media/${a.id}/a.mp3?${query}`, { Range: 'bytes=0-0' })).status, 206);
});

test('a link, copied or not, stops working when it expires', async () => {
  const file = (await upload(owner, 'media', 'short.mp4', bytes)).data.file;
  const link = (await owner.get(`/api/v1/files/${file.id}?ttl_seconds=1`)).data.file.url;
  assert.equal((await media(link)).status, 200);
  await new Promise((r) => setTimeout(r, 1300));
  const expired = await media(link);
  assert.equal(expired.status, 403);
  assert.equal(JSON.parse(expired.body).error.code, 'files.link_expired');
  assert.equal(expired.headers.get('cache-control'), 'private, no-store');
  assert.equal((await media(link, { Range: 'bytes=0-10' })).status, 403, 'a seek on an expired link too');
});

test('deleting a file: 404 from its links, bytes removed; members cannot delete', async () => {
  const file = (await upload(owner, 'media', 'gone.zip', bytes)).data.file;
  assert.equal((await member.del(`/api/v1/files/${file.id}`)).status, 403);
  assert.equal((await creator.del(`/api/v1/files/${file.id}`)).status, 204);
  assert.equal((await media(file.url)).status, 404);
  assert.ok(!existsSync(join(filesDir(), String(file.id))));
  assert.equal((await owner.del(`/api/v1/files/${file.id}`)).status, 404);
  assert.equal((await owner.get(`/api/v1/files/${file.id}`)).status, 404);
  assert.ok(!(await owner.get('/api/v1/communities/media/files')).data.files.some((f) => f.id === file.id));
});

test('the staff page lists files with players and deletes through a form; members get 403', async () => {
  const browser = new Client(server.base);
  await browser.post('/api/v1/auth/login', { login: owner.username, password: 'correct horse battery' });
  const file = (await upload(owner, 'media', 'page.mp4', bytes, 'video/mp4')).data.file;
  assert.match((await browser.get('/c/media')).text, /href="\/c\/media\/files"/, 'the community page links staff to it');
  const page = await browser.get('/c/media/files');
  assert.equal(page.status, 200);
  assert.match(page.text, /id="file-upload"/);
  const decoded = page.text.replaceAll('&#61;', '=').replaceAll('&amp;', '&');
  assert.match(decoded, new RegExp(`<video class="file-preview"[^>]+src="/media/${file.id}/page.mp4\\?e=\\d+&s=[0-9a-f]{64}"`));
  const csrf = page.text.match(/name="_csrf" value="([^"]+)"/)[1];
  const deleted = await browser.request('POST', `/c/media/files/${file.id}/delete`, { form: { _csrf: csrf } });
  assert.equal(deleted.status, 303);
  assert.ok(!(await browser.get('/c/media/files')).text.includes(`/media/${file.id}/`));

  const memberBrowser = new Client(server.base);
  await memberBrowser.post('/api/v1/auth/login', { login: member.username, password: 'correct horse battery' });
  assert.equal((await memberBrowser.get('/c/media/files')).status, 403);
  assert.doesNotMatch((await memberBrowser.get('/c/media')).text, /href="\/c\/media\/files"/);
  assert.equal((await new Client(server.base).get('/c/media/files')).status, 303, 'anonymous: to the login page');
});

test('a browser session uploads with the CSRF token, not without', async () => {
  const browser = new Client(server.base);
  await browser.post('/api/v1/auth/login', { login: owner.username, password: 'correct horse battery' });
  const csrf = (await browser.get('/c/media/files')).text.match(/data-csrf="([^"]+)"/)[1];
  const refused = await browser.request('POST', '/api/v1/communities/media/files?name=a.txt', { raw: 'hello', headers: { 'Content-Type': 'text/plain' } });
  assert.equal(refused.status, 403);
  assert.equal(refused.data.error.code, 'auth.csrf');
  const ok = await browser.request('POST', '/api/v1/communities/media/files?name=a.txt', { raw: 'hello', headers: { 'Content-Type': 'text/plain', 'X-CSRF-Token': csrf } });
  assert.equal(ok.status, 201, ok.text);
});

test('too large: 413 and nothing left on disk', async () => {
  const small = await startServer(['--max-upload-mb', '1']);
  try {
    const staff = await newUser(small.base, 'staff');
    await staff.post('/api/v1/communities', { slug: 'tiny', name: 'Tiny' });
    const big = Buffer.alloc(2 * 1024 * 1024 + 1, 7);
    const r = await upload(staff, 'tiny', 'big.zip', big);
    assert.equal(r.status, 413);
    const atLimit = await upload(staff, 'tiny', 'ok.zip', Buffer.alloc(1024 * 1024, 7));
    assert.equal(atLimit.status, 201, atLimit.text);
    const files = join(small.dir, 'data', 'files');
    assert.deepEqual(readdirSync(join(files, 'tmp')), []);
    assert.deepEqual(readdirSync(files).sort(), [String(atLimit.data.file.id), 'tmp'].sort());
    // Other routes keep the 1 MiB body limit.
    const post = await staff.request('POST', '/api/v1/communities', { raw: JSON.stringify({ slug: 'x', name: 'x'.repeat(2 * 1024 * 1024) }), headers: { 'Content-Type': 'application/json' } });
    assert.equal(post.status, 413);
  } finally {
    await small.stop();
  }
});

// The server's resident memory in bytes (Linux).
function rss(pid) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+) kB/);
  return Number(m[1]) * 1024;
}

test('a 200 MB file goes up and down while the server stays far below that in memory', async (t) => {
  const size = 200 * 1024 * 1024;
  const path = join(server.dir, 'big-upload.bin');
  const chunk = Buffer.alloc(1024 * 1024);
  const hash = createHash('sha256');
  const fd = openSync(path, 'w');
  for (let i = 0; i < 200; i++) {
    chunk.fill(i % 251);
    chunk.writeUInt32BE(i, 0);
    writeSync(fd, chunk);
    hash.update(chunk);
  }
  closeSync(fd);
  const sha = hash.digest('hex');

  const baseline = rss(server.child.pid);
  let peak = baseline;
  const sampler = setInterval(() => { peak = Math.max(peak, rss(server.child.pid)); }, 20);
  try {
    const created = await new Promise((resolve, reject) => {
      const req = httpRequest(`${server.base}/api/v1/communities/media/files?name=big.mp4`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${owner.token}`, 'Content-Type': 'video/mp4', 'Content-Length': size },
      }, (res) => {
        let text = '';
        res.on('data', (d) => { text += d; });
        res.on('end', () => resolve({ status: res.statusCode, data: JSON.parse(text) }));
      });
      req.on('error', reject);
      createReadStream(path).pipe(req);
    });
    assert.equal(created.status, 201);
    assert.equal(created.data.file.size, size);
    assert.equal(created.data.file.sha256, sha);

    const download = createHash('sha256');
    let received = 0;
    const response = await fetch(server.base + created.data.file.url);
    assert.equal(response.status, 200);
    for await (const part of response.body) {
      download.update(part);
      received += part.length;
    }
    assert.equal(received, size);
    assert.equal(download.digest('hex'), sha);

    // A client that leaves after the first bytes, then a seek near the end.
    const leaver = await fetch(server.base + created.data.file.url);
    const reader = leaver.body.getReader();
    await reader.read();
    await reader.cancel();
    const tail = await media(created.data.file.url, { Range: `bytes=${size - 1024 * 1024}-` });
    assert.equal(tail.status, 206);
    assert.equal(tail.body.readUInt32BE(0), 199);
  } finally {
    clearInterval(sampler);
    rmSync(path, { force: true });
  }
  peak = Math.max(peak, rss(server.child.pid));
  const mb = (n) => Math.round(n / 1048576);
  t.diagnostic(`server RSS: ${mb(baseline)} MB before, peak ${mb(peak)} MB`);
  // Growth, not the absolute figure: a sanitizer build starts above 200 MB by itself.
  assert.ok(peak - baseline < 64 * 1024 * 1024, `server RSS grew from ${mb(baseline)} to ${mb(peak)} MB`);
});

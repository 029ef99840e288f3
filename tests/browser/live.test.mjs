// Browser test of live delivery: Alice reads her post; Bob comments on it through the page's
// ordinary form; Alice's open page shows the comment, the unread count and a toast without a
// reload (static/js/live.js over GET /ws).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, Client } from '../http/harness.mjs';
import { launchBrowser, newPage, PASSWORD } from './support.mjs';

const FAILURE_SCREENSHOT = '/tmp/gh-browser-live-failure.png';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  try { if (browser) await browser.close(); } catch { /* already gone */ }
  if (server) await server.stop();
});

// Signs up over the API (which sets the session cookie) and opens a browser page with it.
async function signedInPage(name) {
  const client = new Client(server.base);
  const r = await client.post('/api/v1/auth/signup', { email: `${name}@example.com`, username: name, password: PASSWORD });
  assert.equal(r.status, 201, r.text);
  const page = await newPage(browser, server.base, name);
  await page.context().addCookies([{ name: 'gh_session', value: client.cookies.get('gh_session'), url: server.base }]);
  page.api = client;
  return page;
}

test("one user's comment appears live on another user's open page", async () => {
  const alice = await signedInPage(`alice${Date.now() % 100000}`);
  const bob = await signedInPage(`bob${Date.now() % 100000}`);
  try {
    assert.equal((await alice.api.post('/api/v1/communities', { slug: 'live-room', name: 'Live Room' })).status, 201);
    assert.equal((await bob.api.post('/api/v1/communities/live-room/join', {})).status, 200);
    const made = await alice.api.post('/api/v1/communities/live-room/posts', { title: 'Watch this space', body_md: 'Comments arrive live.' });
    assert.equal(made.status, 201);
    const path = `/p/${made.data.post.id}`;
    // Her first post earned a badge (a notification): read, so the bell starts at zero.
    assert.equal((await alice.api.post('/api/v1/me/notifications/read', { all: true })).status, 200);

    await alice.goto(path);
    await bob.goto(path);
    // Wait until Alice's page has subscribed: her socket is open before Bob writes.
    await alice.locator('[data-live-post][data-live-state="live"]').waitFor();
    const badge = alice.locator('[data-unread]');
    assert.equal(await badge.isHidden(), true, 'nothing unread yet');

    await bob.locator('form.comment-form textarea[name="body_md"]').fill('Live from **Bob**');
    await bob.locator('form.comment-form button[type="submit"]').click();
    await bob.waitForURL(new RegExp(`${path}`));

    const arrived = alice.locator('.comment-list li[data-live-comment]');
    await arrived.waitFor();
    assert.match(await arrived.innerText(), /Live from Bob/);
    assert.equal(await arrived.locator('strong').innerText(), 'Bob');
    await badge.waitFor({ state: 'visible' });
    assert.equal(await badge.innerText(), '1');
    await alice.locator('.toast').waitFor();
    assert.match(await alice.locator('.toast').innerText(), /Watch this space/);
    assert.equal(alice.url().endsWith(path), true, 'no reload, no navigation');

    // The notifications page lists it, and works as a plain page.
    await alice.goto('/notifications');
    assert.match(await alice.locator('.notification-list').innerText(), /replied to your post/);
    assert.deepEqual([...alice.problems, ...bob.problems], []);
  } catch (error) {
    await alice.screenshot({ path: FAILURE_SCREENSHOT, fullPage: true }).catch(() => {});
    throw error;
  }
});

// Webhook benchmark: how fast the real binary takes Stripe's events, against the local Stripe
// stand-in of the tests (tests/fakes/stripe.mjs). It starts a fresh server on SQLite (or the
// database given), opens N Stripe checkouts for posts through the API, then POSTs signed
// events with C concurrent senders and reports req/s and latency percentiles for:
//   1. N checkout.session.completed events, each completing a checkout (payment, entitlement,
//      ledger booking in one transaction);
//   2. the same N events again (duplicates: verified, recognised, nothing written);
//   3. N events of a type we do not handle (verified, recorded once, acknowledged).
// GET /healthz through the same sender shows how much of the figures is the sender's own cost
// (node's fetch on the same 2 cores); wrk is not used because every event must be signed anew.
// Then it checks the books: exactly N payments and `guildhall ledger check` ok.
//
// Usage: node bench/webhooks.mjs [--binary build/guildhall] [--events 2000] [--concurrency 64]
//                                [--database URL]
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeStripe } from '../tests/fakes/stripe.mjs';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const binary = args.binary || new URL('../build/guildhall', import.meta.url).pathname;
const events = Number(args.events || 2000);
const concurrency = Number(args.concurrency || 64);
const dir = mkdtempSync(join(tmpdir(), 'gh-webhooks-'));
const database = args.database || `sqlite:${join(dir, 'bench.db')}`;

const stripe = await startFakeStripe({ secretKey: 'sk_bench', webhookSecret: 'whsec_bench' });
const server = spawn(binary, ['serve', '--listen', '127.0.0.1:0', '--database', database, '--access-log', 'false',
  '--stripe-api-base', stripe.base, '--stripe-secret-key', stripe.secretKey,
  '--stripe-webhook-secret', stripe.webhookSecret], { stdio: ['ignore', 'pipe', 'pipe'] });
let serverLog = '';
server.stderr.on('data', (d) => { serverLog += d; });
const port = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    const m = out.match(/listening on [^:]+:(\d+)/);
    if (m) resolve(Number(m[1]));
  });
  server.on('exit', (code) => reject(new Error(`server exited ${code}: ${serverLog}`)));
});
const base = `http://127.0.0.1:${port}`;
const hook = `${base}/webhooks/stripe`;

async function api(token, method, path, body) {
  const r = await fetch(base + path, {
    method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await r.json();
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(data)}`);
  return data;
}
async function signup(name) {
  const r = await fetch(`${base}/api/v1/auth/signup`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: `${name}@example.com`, username: name, password: 'bench-password-1' }),
  });
  const data = await r.json();
  if (r.status !== 201) throw new Error(`signup: ${r.status} ${JSON.stringify(data)}`);
  return data.token;
}

// Runs `count` jobs with `concurrency` workers; returns req/s and latency percentiles (ms).
async function measure(count, job) {
  const latencies = new Array(count);
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, async () => {
    for (let i = next++; i < count; i = next++) {
      const t = performance.now();
      await job(i);
      latencies[i] = performance.now() - t;
    }
  }));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (p) => latencies[Math.min(count - 1, Math.floor(p * count))];
  return { rps: count / seconds, p50: at(0.5), p99: at(0.99), max: latencies[count - 1] };
}

// Signed bodies, prepared before the clock starts (signing is the sender's cost, not ours).
function signed(list) {
  return list.map((e) => { const body = JSON.stringify(e); return { body, signature: stripe.sign(body) }; });
}
async function deliver({ body, signature }) {
  const r = await fetch(hook, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Stripe-Signature': signature }, body });
  await r.arrayBuffer();
  if (r.status !== 200) throw new Error(`webhook answered ${r.status}`);
}

try {
  const owner = await signup(`owner${Date.now() % 100000}`);
  await api(owner, 'POST', '/api/v1/communities', { slug: 'hooks', name: 'Hooks' });
  const postCount = 40;
  const buyerCount = Math.ceil(events / postCount);
  const posts = [];
  for (let i = 0; i < postCount; i++) {
    posts.push((await api(owner, 'POST', '/api/v1/communities/hooks/posts', {
      title: `Sold ${i}`, kind: 'article', body_md: `Preview.\n\n<!-- paywall -->\n\nPaid ${i}.`,
      price: { amount_minor: 1990, currency: 'CNY' } })).post.id);
  }
  const buyers = [];
  for (let i = 0; i < buyerCount; i++) buyers.push(await signup(`buyer${i}x${Date.now() % 100000}`));

  const checkouts = new Array(events);
  const start = await measure(events, async (i) => {
    checkouts[i] = (await api(buyers[Math.floor(i / postCount)], 'POST', '/api/v1/checkout',
      { post_id: posts[i % postCount], provider: 'stripe' })).checkout.id;
  });
  const completions = signed(checkouts.map((id) => stripe.event('checkout.session.completed', stripe.paidSession(stripe.sessionFor(id)))));
  const unknown = signed(Array.from({ length: events }, (_, i) => stripe.event('customer.updated', { id: `cus_${i}`, object: 'customer' })));

  const health = async () => { const r = await fetch(`${base}/healthz`); await r.arrayBuffer(); };
  const rows = [
    ['GET /healthz (the sender\'s own ceiling)', await measure(events, health)],
    ['POST /api/v1/checkout (stripe, session at the stand-in)', start],
    ['webhook: completion (payment + access + books)', await measure(events, (i) => deliver(completions[i]))],
    ['webhook: the same events again (duplicates)', await measure(events, (i) => deliver(completions[i]))],
    ['webhook: unhandled type (recorded once)', await measure(events, (i) => deliver(unknown[i]))],
  ];
  const rssKiB = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(server.pid)], { encoding: 'utf8' }).trim());
  const balance = await api(owner, 'GET', '/api/v1/communities/hooks/balance');
  const payments = balance.balances[0].payments;
  const check = execFileSync(binary, ['ledger', 'check', '--database', database], { encoding: 'utf8' }).trim().split('\n').at(-1);

  console.log(`\nGuildhall webhook benchmark  ${new Date().toISOString()}  ${events} events, ${concurrency} concurrent senders`);
  console.log(`database: ${database.startsWith('sqlite:') ? 'sqlite (fresh file)' : 'postgresql'}\n`);
  console.log(`${'request'.padEnd(58)} ${'req/s'.padStart(9)} ${'p50_ms'.padStart(8)} ${'p99_ms'.padStart(8)} ${'max_ms'.padStart(8)}`);
  for (const [name, r] of rows) {
    console.log(`${name.padEnd(58)} ${r.rps.toFixed(0).padStart(9)} ${r.p50.toFixed(2).padStart(8)} ${r.p99.toFixed(2).padStart(8)} ${r.max.toFixed(2).padStart(8)}`);
  }
  console.log(`\npayments booked: ${payments} (expected ${events}); ${check}; server RSS ${(rssKiB / 1024).toFixed(1)} MiB`);
  if (payments !== events || !/ok/.test(check)) process.exitCode = 1;
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.on('exit', r));
  await stripe.close();
  rmSync(dir, { recursive: true, force: true });
}

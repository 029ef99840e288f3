// WebSocket load test: N connections to GET /ws on loopback, all showing one post, held open
// while comments are posted; reports delivery latency (p50/p99, from just before the comment's
// POST to the message at each client) and the server's memory per connection (RSS before and
// after connecting, from /proc). Not a timed test: run it, read the figures.
//
// The clients run in this one node process on the same 2 cores as the server, so the latency
// includes node parsing N messages per comment; it is an upper bound for the server's part.
//
// Usage: node bench/ws.mjs [--binary build/guildhall] [--connections 2000] [--comments 50]
//                          [--users 4] [--threads 2] [--database URL (PostgreSQL: a fresh schema)]
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const require = createRequire(new URL('../tests/package.json', import.meta.url));
const WebSocket = require('ws');

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const binary = args.binary || new URL('../build/guildhall', import.meta.url).pathname;
const connections = Number(args.connections || 2000);
const comments = Number(args.comments || 50);
const users = Number(args.users || 4);
const dir = mkdtempSync(join(tmpdir(), 'gh-ws-bench-'));
// A PostgreSQL URL gets a schema of its own, dropped at the end.
const schema = args.database && args.database.startsWith('postgres') ? `ws_bench_${process.pid}` : null;
if (schema) execFileSync('psql', [args.database, '-q', '-c', `CREATE SCHEMA ${schema}`]);
const database = schema
  ? `${args.database}${args.database.includes('?') ? '&' : '?'}options=-csearch_path%3D${schema}`
  : args.database || `sqlite:${join(dir, 'bench.db')}`;

const server = spawn(binary, ['serve', '--listen', '127.0.0.1:0', '--database', database, '--access-log', 'false',
  '--threads', String(args.threads || 2)], { stdio: ['ignore', 'pipe', 'pipe'] });
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

function rssKiB() {
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
  return Number(status.match(/VmRSS:\s+(\d+) kB/)[1]);
}

async function api(method, path, token, body) {
  const response = await fetch(base + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(data)}`);
  return data;
}

async function signup(name) {
  const response = await fetch(`${base}/api/v1/auth/signup`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ email: `${name}@example.com`, username: name, password: 'correct horse battery' }),
  });
  const data = await response.json();
  if (response.status !== 201) throw new Error(`signup: ${JSON.stringify(data)}`);
  return data.token;
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

try {
  const author = await signup('benchauthor');
  await api('POST', '/api/v1/communities', author, { slug: 'ws-bench', name: 'WS bench' });
  const readers = [];
  for (let i = 0; i < users; i++) {
    const token = await signup(`benchreader${i}`);
    await api('POST', '/api/v1/communities/ws-bench/join', token, {});
    readers.push(token);
  }
  const post = (await api('POST', '/api/v1/communities/ws-bench/posts', author, { title: 'Busy thread', body_md: 'x' })).post;

  // Warm the server (one connection and one comment) before the baseline.
  await api('POST', `/api/v1/posts/${post.id}/comments`, author, { body_md: 'warm-up' });
  await new Promise((r) => setTimeout(r, 500));
  const rssBefore = rssKiB();

  const received = new Map();  // comment id -> array of receipt times
  const sockets = [];
  const openOne = (i) => new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${readers[i % readers.length]}`, { perMessageDeflate: false });
    socket.on('message', (data) => {
      const now = performance.now();
      const message = JSON.parse(data.toString());
      if (message.type === 'subscribed') resolve();
      if (message.type === 'comment') {
        if (!received.has(message.comment.id)) received.set(message.comment.id, []);
        received.get(message.comment.id).push(now);
      }
    });
    socket.on('open', () => socket.send(JSON.stringify({ type: 'subscribe', post_id: post.id })));
    socket.on('error', reject);
    sockets.push(socket);
  });
  const connectStarted = performance.now();
  for (let i = 0; i < connections; i += 100) {
    await Promise.all(Array.from({ length: Math.min(100, connections - i) }, (_, k) => openOne(i + k)));
  }
  const connectSeconds = (performance.now() - connectStarted) / 1000;
  await new Promise((r) => setTimeout(r, 1000));
  const rssAfter = rssKiB();

  const latencies = [];
  let missing = 0;
  for (let c = 0; c < comments; c++) {
    const started = performance.now();
    const made = await api('POST', `/api/v1/posts/${post.id}/comments`, author, { body_md: `comment ${c}` });
    const id = made.comment.id;
    const deadline = performance.now() + 10_000;
    while ((received.get(id)?.length || 0) < connections && performance.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2));
    }
    const times = received.get(id) || [];
    missing += connections - times.length;
    for (const t of times) latencies.push(t - started);
  }
  latencies.sort((a, b) => a - b);
  const rssAtEnd = rssKiB();

  console.log(`connections: ${connections} (${users} users, ?token=), all subscribed to one post; opened in ${connectSeconds.toFixed(1)} s`);
  console.log(`comments posted: ${comments}, deliveries: ${latencies.length}, missing: ${missing}`);
  console.log(`delivery latency (POST sent -> message at client): p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies[latencies.length - 1].toFixed(1)} ms`);
  console.log(`server RSS: ${(rssBefore / 1024).toFixed(1)} MiB before, ${(rssAfter / 1024).toFixed(1)} MiB with ${connections} open (${((rssAfter - rssBefore) / connections).toFixed(1)} KiB per connection), ${(rssAtEnd / 1024).toFixed(1)} MiB after the comments`);
  for (const s of sockets) s.terminate();
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.on('exit', r));
  rmSync(dir, { recursive: true, force: true });
  if (schema) execFileSync('psql', [args.database, '-q', '-c', `DROP SCHEMA ${schema} CASCADE`], { stdio: 'ignore' });
}

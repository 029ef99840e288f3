// A small SMTP server for the tests: enough of RFC 5321 for libcurl (EHLO/HELO, AUTH PLAIN and
// LOGIN, MAIL FROM, RCPT TO, DATA with dot-unstuffing, RSET, NOOP, QUIT). It records every
// accepted message and can answer 4xx to the next MAIL FROM commands to play a server that is
// temporarily unavailable. Also: a parser for what it received (headers, RFC 2047 words,
// multipart/alternative parts, quoted-printable and base64 bodies).
import net from 'node:net';

export async function startFakeSmtp({ user = null, password = null } = {}) {
  const messages = [];
  const auths = [];
  let failures = [];
  let rejected = 0;
  const sockets = new Set();

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setEncoding('latin1');  // Bytes as they came; bodies are 7-bit (QP or base64) anyway.
    let buffer = '';
    let mode = 'command';
    let authStep = null;
    let authUser = null;
    let envelope = { from: null, to: [] };
    let data = [];
    const reply = (line) => socket.write(`${line}\r\n`);
    reply('220 fake-smtp ESMTP ready');

    const authenticate = (u, p) => {
      auths.push({ user: u, password: p });
      if (u === user && p === password) { reply('235 2.7.0 Authentication successful'); return; }
      reply('535 5.7.8 Authentication credentials invalid');
    };

    const onLine = (line) => {
      if (mode === 'data') {
        if (line === '.') {
          mode = 'command';
          const raw = data.join('\r\n') + '\r\n';
          messages.push({ from: envelope.from, to: envelope.to, raw: Buffer.from(raw, 'latin1').toString('utf8') });
          envelope = { from: null, to: [] };
          data = [];
          reply('250 2.0.0 Ok: queued');
          return;
        }
        data.push(line.startsWith('..') ? line.slice(1) : line);
        return;
      }
      if (authStep === 'user') { authUser = Buffer.from(line, 'base64').toString(); authStep = 'password'; reply('334 UGFzc3dvcmQ6'); return; }
      if (authStep === 'password') { authStep = null; authenticate(authUser, Buffer.from(line, 'base64').toString()); return; }
      if (authStep === 'plain') { authStep = null; const [, u, p] = Buffer.from(line, 'base64').toString().split('\0'); authenticate(u, p); return; }
      const [verb] = line.split(' ');
      switch (verb.toUpperCase()) {
        case 'EHLO':
          socket.write('250-fake-smtp\r\n');
          if (user) socket.write('250-AUTH PLAIN LOGIN\r\n');
          reply('250 SIZE 10485760');
          return;
        case 'HELO': reply('250 fake-smtp'); return;
        case 'AUTH': {
          const [, mech, initial] = line.split(' ');
          if (/^plain$/i.test(mech)) {
            if (initial) { const [, u, p] = Buffer.from(initial, 'base64').toString().split('\0'); authenticate(u, p); } else { authStep = 'plain'; reply('334 '); }
          } else if (/^login$/i.test(mech)) {
            if (initial) { authUser = Buffer.from(initial, 'base64').toString(); authStep = 'password'; reply('334 UGFzc3dvcmQ6'); } else { authStep = 'user'; reply('334 VXNlcm5hbWU6'); }
          } else reply('504 5.5.4 Unrecognized authentication type');
          return;
        }
        case 'MAIL': {
          if (failures.length) { rejected++; reply(failures.shift()); return; }
          envelope.from = (line.match(/<([^>]*)>/) || [])[1] ?? null;
          reply('250 2.1.0 Ok');
          return;
        }
        case 'RCPT': envelope.to.push((line.match(/<([^>]*)>/) || [])[1]); reply('250 2.1.5 Ok'); return;
        case 'DATA': mode = 'data'; reply('354 End data with <CR><LF>.<CR><LF>'); return;
        case 'RSET': envelope = { from: null, to: [] }; reply('250 2.0.0 Ok'); return;
        case 'NOOP': reply('250 2.0.0 Ok'); return;
        case 'QUIT': reply('221 2.0.0 Bye'); socket.end(); return;
        default: reply('502 5.5.2 Command not recognized');
      }
    };

    socket.on('data', (chunk) => {
      buffer += chunk;
      let i;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        onLine(line);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    auths,
    get rejected() { return rejected; },
    // The next `count` MAIL FROM commands are answered with `reply` (a 4xx: try again later).
    failNext(count, reply = '451 4.3.0 Try again later') { failures = Array(count).fill(reply); },
    // Waits until a message to `to` matching `predicate` arrives; returns it parsed.
    async waitFor(to, predicate = () => true, timeoutMs = 15000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const found = messages.find((m) => m.to.includes(to) && predicate(parseMessage(m.raw)));
        if (found) return { ...parseMessage(found.raw), envelope: { from: found.from, to: found.to } };
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no message to ${to} within ${timeoutMs} ms (${messages.length} received)`);
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

// "=?UTF-8?B?...?=" and "=?UTF-8?Q?...?=" words decoded; whitespace between words dropped.
export function decodeWords(value) {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, charset, enc, text) => {
      const bytes = /b/i.test(enc)
        ? Buffer.from(text, 'base64')
        : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-F]{2})/gi, (m, h) => String.fromCharCode(parseInt(h, 16))), 'latin1');
      return new TextDecoder(charset).decode(bytes);
    });
}

function decodeQuotedPrintable(body) {
  const joined = body.replace(/=\r\n/g, '');
  const bytes = [];
  for (let i = 0; i < joined.length; i++) {
    if (joined[i] === '=' && /^[0-9A-F]{2}$/i.test(joined.slice(i + 1, i + 3))) {
      bytes.push(parseInt(joined.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(joined[i], 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

function splitHeaders(text) {
  const end = text.indexOf('\r\n\r\n');
  const head = text.slice(0, end).replace(/\r\n[ \t]+/g, ' ');
  const headers = {};
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, rawHeaders: text.slice(0, end), body: text.slice(end + 4) };
}

function decodeBody(headers, body) {
  const encoding = (headers['content-transfer-encoding'] || '7bit').toLowerCase();
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  return body;
}

// A received message: headers (lower-case names, unfolded), the decoded subject, and its
// text and HTML parts decoded to strings.
export function parseMessage(raw) {
  const { headers, rawHeaders, body } = splitHeaders(raw);
  const out = { raw, rawHeaders, headers, subject: decodeWords(headers.subject || ''), parts: [] };
  const type = headers['content-type'] || 'text/plain';
  const boundary = (type.match(/boundary="([^"]+)"/) || [])[1];
  if (boundary) {
    for (const chunk of body.split(`--${boundary}`).slice(1)) {
      if (chunk.startsWith('--')) break;
      const part = splitHeaders(chunk.replace(/^\r\n/, ''));
      out.parts.push({ type: part.headers['content-type'], headers: part.headers, body: decodeBody(part.headers, part.body) });
    }
  } else {
    out.parts.push({ type, headers, body: decodeBody(headers, body) });
  }
  out.text = out.parts.find((p) => p.type.startsWith('text/plain'))?.body ?? '';
  out.html = out.parts.find((p) => p.type.startsWith('text/html'))?.body ?? '';
  return out;
}

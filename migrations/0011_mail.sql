-- E-mail: a durable outbox, per-user preferences, one-click unsubscribe tokens and digest
-- bookkeeping. Times are Unix milliseconds; see src/mail/README.md.

-- Every message, rendered in full (RFC 5322, CRLF lines) when its cause commits. The worker
-- claims due rows with a lease (lease_until/lease_owner) by a conditional UPDATE, so several
-- server processes never send the same row at once; a lease that runs out (a crashed worker)
-- makes the row claimable again. status: queued | sent | failed.
CREATE TABLE mail_outbox (
  id {{id}},
  idem_key TEXT UNIQUE,
  user_id BIGINT REFERENCES users(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  to_addr TEXT NOT NULL,
  from_addr TEXT NOT NULL,
  subject TEXT NOT NULL,
  message TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  lease_until BIGINT,
  lease_owner TEXT,
  last_error TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  sent_at BIGINT
);
CREATE INDEX mail_outbox_due ON mail_outbox(status, next_attempt_at);
CREATE INDEX mail_outbox_user ON mail_outbox(user_id);

-- Which kinds of notice a user wants by e-mail. No row: the kind's default (on).
CREATE TABLE mail_preferences (
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  enabled INTEGER NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, kind)
);

-- Per-user mail settings: the language of their mail ('' follows users.locale, then English)
-- and the digest cadence and progress. No row: weekly, and the worker writes the row (a
-- baseline, no mail) the first time it sees the user. last_period is the index of the last
-- period handled (Unix time / period length); covered_until is where the next digest starts.
CREATE TABLE mail_settings (
  user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
  language TEXT NOT NULL DEFAULT '',
  digest TEXT NOT NULL CHECK (digest IN ('daily', 'weekly', 'off')),
  last_period BIGINT NOT NULL,
  covered_until BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX mail_settings_due ON mail_settings(digest, last_period);

-- One-click unsubscribe (RFC 8058): a random token per message, stored hashed, naming the
-- user and the kind it turns off.
CREATE TABLE mail_unsubscribe_tokens (
  token_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  used_at BIGINT
);
CREATE INDEX mail_unsubscribe_tokens_user ON mail_unsubscribe_tokens(user_id);

-- Ledger: balanced double-entry bookkeeping of every money movement (src/ledger/README.md).
-- Rows are only ever inserted: corrections are new transactions. Amounts are integer minor
-- units; a positive amount is a debit, a negative one a credit; each transaction's entries
-- sum to zero per currency. Checked by ledger::check(), which recomputes all of it.

-- One account per (code, currency): "processor:stripe", "community:12:revenue"...
CREATE TABLE ledger_accounts (
  id {{id}},
  code TEXT NOT NULL,
  currency TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('asset', 'liability', 'revenue', 'expense', 'equity')),
  community_id BIGINT NULL REFERENCES communities(id),
  user_id BIGINT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL,
  UNIQUE (code, currency)
);
CREATE INDEX ledger_accounts_community ON ledger_accounts(community_id);

-- A booking: the idempotency key makes a replayed webhook or retried job book nothing twice.
-- reverses_id: this transaction is the exact negation of that one (at most one per original).
CREATE TABLE ledger_transactions (
  id {{id}},
  idempotency_key TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  memo TEXT NOT NULL DEFAULT '',
  community_id BIGINT NULL REFERENCES communities(id),
  reference TEXT NOT NULL DEFAULT '',
  reverses_id BIGINT NULL REFERENCES ledger_transactions(id),
  created_at BIGINT NOT NULL
);
CREATE INDEX ledger_transactions_community ON ledger_transactions(community_id, id);
CREATE UNIQUE INDEX ledger_transactions_reverses ON ledger_transactions(reverses_id);

-- entry.currency repeats the account's currency so that sums per currency need no join.
CREATE TABLE ledger_entries (
  id {{id}},
  transaction_id BIGINT NOT NULL REFERENCES ledger_transactions(id),
  account_id BIGINT NOT NULL REFERENCES ledger_accounts(id),
  amount_minor BIGINT NOT NULL CHECK (amount_minor <> 0),
  currency TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
-- (account_id, transaction_id, id): balances, account statements and the account filter of
-- the transaction list, which pages by transaction id.
CREATE INDEX ledger_entries_account ON ledger_entries(account_id, transaction_id, id);
CREATE INDEX ledger_entries_transaction ON ledger_entries(transaction_id);

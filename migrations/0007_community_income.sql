-- A community's net booked revenue per currency (after the platform fee, net of refunds), kept
-- by ledger::post in the same transaction as each booking, like communities.income_minor (which
-- stays the directory's sort key, in the community's own currency). Backfilled from the ledger.

CREATE TABLE community_income (
  community_id BIGINT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
  currency TEXT NOT NULL,
  net_minor BIGINT NOT NULL,
  PRIMARY KEY (community_id, currency)
);

INSERT INTO community_income (community_id, currency, net_minor)
SELECT a.community_id, a.currency, -SUM(e.amount_minor)
FROM ledger_accounts a JOIN ledger_entries e ON e.account_id = a.id
WHERE a.kind = 'revenue' AND a.community_id IS NOT NULL
GROUP BY a.community_id, a.currency;

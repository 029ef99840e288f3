-- Checkout and payments. A checkout is an intent to buy (a tier or a post) through a provider;
-- a payment is money received, booked in the ledger in the same transaction that grants access.

CREATE TABLE checkouts (
  id {{id}},
  public_id TEXT NOT NULL UNIQUE,
  user_id BIGINT NOT NULL REFERENCES users(id),
  community_id BIGINT NOT NULL REFERENCES communities(id),
  tier_id BIGINT REFERENCES tiers(id),
  post_id BIGINT REFERENCES posts(id),
  provider TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('pending', 'completed', 'canceled', 'expired')),
  amount_minor BIGINT NOT NULL,
  currency TEXT NOT NULL,
  provider_session_id TEXT NOT NULL DEFAULT '',
  redirect_url TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  completed_at BIGINT
);
CREATE INDEX checkouts_community ON checkouts(community_id, status, id);
CREATE INDEX checkouts_user ON checkouts(user_id, id);

CREATE TABLE payments (
  id {{id}},
  public_id TEXT NOT NULL UNIQUE,
  checkout_id BIGINT REFERENCES checkouts(id),
  user_id BIGINT NOT NULL REFERENCES users(id),
  community_id BIGINT NOT NULL REFERENCES communities(id),
  membership_id BIGINT REFERENCES memberships(id),
  post_id BIGINT REFERENCES posts(id),
  kind TEXT NOT NULL CHECK (kind IN ('initial', 'renewal', 'purchase')),
  amount_minor BIGINT NOT NULL,
  fee_minor BIGINT NOT NULL,
  currency TEXT NOT NULL,
  provider TEXT NOT NULL,
  provider_payment_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('succeeded', 'refunded')),
  ledger_transaction_id BIGINT REFERENCES ledger_transactions(id),
  created_at BIGINT NOT NULL,
  refunded_at BIGINT,
  UNIQUE (provider, provider_payment_id)
);
CREATE INDEX payments_user ON payments(user_id, id);
CREATE INDEX payments_community ON payments(community_id, id);

-- Provider events (webhooks) already handled: each id is processed once, whatever the order or
-- the number of deliveries.
CREATE TABLE provider_events (
  provider TEXT NOT NULL,
  event_id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  PRIMARY KEY (provider, event_id)
);

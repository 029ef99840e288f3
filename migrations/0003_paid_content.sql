-- Paid content: tiers, memberships (billing state), entitlements (access state), and post
-- visibility. Billing writes memberships and grants entitlements; access/ reads entitlements
-- and decides. Amounts are integer minor units with a currency.

CREATE TABLE tiers (
  id {{id}},
  community_id BIGINT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  price_minor BIGINT NOT NULL CHECK (price_minor >= 0),
  currency TEXT NOT NULL,
  -- month | year | fixed_term (term_days of access) | lifetime. A free tier has price 0.
  billing_interval TEXT NOT NULL CHECK (billing_interval IN ('month', 'year', 'fixed_term', 'lifetime')),
  term_days BIGINT,
  trial_days BIGINT NOT NULL DEFAULT 0,
  position BIGINT NOT NULL DEFAULT 0,
  archived_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX tiers_community ON tiers(community_id, position, id);

CREATE TABLE memberships (
  id {{id}},
  community_id BIGINT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  tier_id BIGINT NOT NULL REFERENCES tiers(id),
  status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'past_due', 'canceled', 'expired', 'refunded')),
  current_period_start BIGINT,
  current_period_end BIGINT,
  cancel_at_period_end INTEGER NOT NULL DEFAULT 0,
  provider TEXT NOT NULL DEFAULT '',
  provider_subscription_id TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX memberships_user ON memberships(user_id, community_id);
CREATE INDEX memberships_community ON memberships(community_id, status);
CREATE INDEX memberships_period_end ON memberships(status, current_period_end);

-- What a user may read: a tier (all posts gated to it) or one post (pay-per-post), from
-- starts_at until ends_at (NULL: no end), unless revoked. Owned by access/.
CREATE TABLE entitlements (
  id {{id}},
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  community_id BIGINT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
  tier_id BIGINT REFERENCES tiers(id),
  post_id BIGINT REFERENCES posts(id),
  paid INTEGER NOT NULL DEFAULT 0,
  source TEXT NOT NULL,
  source_id BIGINT NOT NULL DEFAULT 0,
  starts_at BIGINT NOT NULL,
  ends_at BIGINT,
  revoked_at BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX entitlements_user ON entitlements(user_id, community_id);
CREATE INDEX entitlements_source ON entitlements(source, source_id);

-- Post visibility: public | members | paid | tiers (listed in post_tiers); an optional price
-- for pay-per-post. preview_html is the part above the paywall marker; for gated posts the
-- excerpt is made from the preview only, so listings and meta tags never carry paid text.
ALTER TABLE posts ADD COLUMN visibility TEXT NOT NULL DEFAULT 'public';
ALTER TABLE posts ADD COLUMN preview_html TEXT NOT NULL DEFAULT '';
ALTER TABLE posts ADD COLUMN price_minor BIGINT;
ALTER TABLE posts ADD COLUMN price_currency TEXT;

CREATE TABLE post_tiers (
  post_id BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  tier_id BIGINT NOT NULL REFERENCES tiers(id),
  PRIMARY KEY (post_id, tier_id)
);

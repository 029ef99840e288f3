-- Offers: coupons that lower a checkout's price, free trials of a tier, and batches of gift
-- and redeem codes that grant a tier's membership without a payment.

-- A coupon: percent_off (1..100) or amount_off (minor units in one currency), for the first
-- period only ('once') or every period ('forever'). The code is stored upper-case, so codes
-- are case-insensitive and unique per community (archived ones included, so an old code never
-- changes meaning). `redemptions` counts completed checkouts; a conditional UPDATE claims one,
-- so max_redemptions holds under concurrency.
CREATE TABLE coupons (
  id {{id}},
  community_id BIGINT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
  code TEXT NOT NULL,
  percent_off BIGINT CHECK (percent_off IS NULL OR (percent_off >= 1 AND percent_off <= 100)),
  amount_off_minor BIGINT CHECK (amount_off_minor IS NULL OR amount_off_minor > 0),
  amount_off_currency TEXT,
  duration TEXT NOT NULL CHECK (duration IN ('once', 'forever')),
  max_redemptions BIGINT,
  redemptions BIGINT NOT NULL DEFAULT 0,
  expires_at BIGINT,
  archived_at BIGINT,
  created_by BIGINT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (community_id, code)
);

-- A coupon limited to some tiers lists them here; a coupon without rows applies to every tier
-- and every post for sale of its community.
CREATE TABLE coupon_tiers (
  coupon_id BIGINT NOT NULL REFERENCES coupons(id) ON DELETE CASCADE,
  tier_id BIGINT NOT NULL REFERENCES tiers(id),
  PRIMARY KEY (coupon_id, tier_id)
);

-- What a checkout records about its price, for providers that bill later periods (Stripe):
-- the coupon, the list price before the discount, and the price of each renewal (the list
-- price for 'once', the discounted price for 'forever'; NULL for posts).
ALTER TABLE checkouts ADD COLUMN coupon_id BIGINT REFERENCES coupons(id);
ALTER TABLE checkouts ADD COLUMN list_amount_minor BIGINT;
ALTER TABLE checkouts ADD COLUMN renewal_amount_minor BIGINT;

-- One trial per user per tier, ever: the primary key makes a second (or a concurrent) start fail.
CREATE TABLE tier_trials (
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  tier_id BIGINT NOT NULL REFERENCES tiers(id),
  membership_id BIGINT NOT NULL REFERENCES memberships(id),
  started_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, tier_id)
);

-- Gift and redeem codes, generated in batches for one tier. A code grants one billing period
-- of the tier (lifetime: no end). No money moves through us, so nothing is booked.
CREATE TABLE code_batches (
  id {{id}},
  community_id BIGINT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
  tier_id BIGINT NOT NULL REFERENCES tiers(id),
  code_count BIGINT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  expires_at BIGINT,
  created_by BIGINT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL
);
CREATE INDEX code_batches_community ON code_batches(community_id, id);

-- `code` is the canonical form: 12 characters of the unambiguous alphabet, upper-case, no
-- dashes. A conditional UPDATE (redeemed_at IS NULL) makes each code redeemable once.
CREATE TABLE redeem_codes (
  id {{id}},
  batch_id BIGINT NOT NULL REFERENCES code_batches(id) ON DELETE CASCADE,
  code TEXT NOT NULL UNIQUE,
  redeemed_by BIGINT REFERENCES users(id),
  redeemed_at BIGINT,
  membership_id BIGINT REFERENCES memberships(id)
);
CREATE INDEX redeem_codes_batch ON redeem_codes(batch_id, id);

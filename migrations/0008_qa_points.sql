-- Q&A (accepted answers, answer votes, point bounties) and incentives (points, levels,
-- leaderboards, badges, check-in challenges). Times are Unix milliseconds; days are UTC day
-- numbers (Unix ms / 86,400,000).

-- One accepted answer per question: the post points at it, so a second acceptance moves it.
ALTER TABLE posts ADD COLUMN accepted_comment_id BIGINT;
ALTER TABLE comments ADD COLUMN upvotes BIGINT NOT NULL DEFAULT 0;

CREATE TABLE comment_votes (
  comment_id BIGINT NOT NULL REFERENCES comments(id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (comment_id, user_id)
);

-- A question's bounty: held from the asker at offer time, then paid (to the accepted answer's
-- author) or returned (after the deadline) exactly once: status moves from 'open' by a
-- conditional UPDATE, so an acceptance racing the sweep settles one side only.
CREATE TABLE bounties (
  post_id BIGINT PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
  community_id BIGINT NOT NULL REFERENCES communities(id),
  asker_id BIGINT NOT NULL REFERENCES users(id),
  points BIGINT NOT NULL,
  deadline_at BIGINT NOT NULL,
  status TEXT NOT NULL DEFAULT 'open',
  paid_to BIGINT REFERENCES users(id),
  settled_at BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX bounties_due ON bounties(status, deadline_at);

-- Per-community overrides of the default point rules (src/engage/points.cpp).
CREATE TABLE point_rules (
  community_id BIGINT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
  act TEXT NOT NULL,
  points BIGINT NOT NULL,
  daily_cap BIGINT NOT NULL,
  PRIMARY KEY (community_id, act)
);

-- The points ledger: append-only. A reversal is a new entry naming the one it reverses
-- (`reverses`), at most one per entry. `seq` numbers the awards of one act so that an act
-- reversed (an un-vote) may be paid again later, while the same act never pays twice at once.
-- actor_id is who caused the entry (the voter), 0 when nobody else did.
CREATE TABLE point_entries (
  id {{id}},
  user_id BIGINT NOT NULL REFERENCES users(id),
  community_id BIGINT NOT NULL REFERENCES communities(id),
  delta BIGINT NOT NULL,
  reason TEXT NOT NULL,
  source_type TEXT NOT NULL,
  source_id BIGINT NOT NULL,
  actor_id BIGINT NOT NULL DEFAULT 0,
  seq BIGINT NOT NULL DEFAULT 0,
  reverses BIGINT REFERENCES point_entries(id),
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX point_entries_once ON point_entries(user_id, community_id, reason, source_type, source_id, actor_id, seq)
  WHERE reverses IS NULL;
CREATE UNIQUE INDEX point_entries_reversal ON point_entries(reverses);
CREATE INDEX point_entries_user ON point_entries(user_id, community_id, created_at);
CREATE INDEX point_entries_source ON point_entries(source_type, source_id);
CREATE INDEX point_entries_community ON point_entries(community_id, created_at);

-- Balances, kept in the same transaction as their entries (check: the sum of the entries).
CREATE TABLE point_balances (
  user_id BIGINT NOT NULL REFERENCES users(id),
  community_id BIGINT NOT NULL REFERENCES communities(id),
  balance BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (user_id, community_id)
);

-- Badges: each once per user and community.
CREATE TABLE badges (
  user_id BIGINT NOT NULL REFERENCES users(id),
  community_id BIGINT NOT NULL REFERENCES communities(id),
  badge TEXT NOT NULL,
  awarded_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, community_id, badge)
);

-- Check-in challenges (打卡): a run of `days` UTC days from `starts_day`.
CREATE TABLE challenges (
  id {{id}},
  community_id BIGINT NOT NULL REFERENCES communities(id),
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  starts_day BIGINT NOT NULL,
  days BIGINT NOT NULL,
  created_by BIGINT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL
);
CREATE INDEX challenges_community ON challenges(community_id, starts_day);

CREATE TABLE checkins (
  id {{id}},
  challenge_id BIGINT NOT NULL REFERENCES challenges(id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users(id),
  day BIGINT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  UNIQUE (challenge_id, user_id, day)
);

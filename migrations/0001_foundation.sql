-- Foundation: accounts, sessions, communities, members, posts, comments, votes.
-- One SQL text for SQLite and PostgreSQL: times are Unix milliseconds (BIGINT), booleans 0/1.
-- {{id}} is the backend's auto-increment primary key (see src/db/README.md).

CREATE TABLE users (
  id {{id}},
  email TEXT NOT NULL,
  email_lower TEXT NOT NULL UNIQUE,
  username TEXT NOT NULL,
  username_lower TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL DEFAULT '',
  bio TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL,
  locale TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);

-- Login sessions: the cookie holds a random token; only its BLAKE2b hash is stored.
CREATE TABLE sessions (
  token_hash TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  ip TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Personal API tokens (Authorization: Bearer ...), stored hashed.
CREATE TABLE api_tokens (
  id {{id}},
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT,
  revoked_at BIGINT
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

-- Failed logins, for throttling per account and per IP. Old rows are pruned.
CREATE TABLE login_failures (
  id {{id}},
  throttle_key TEXT NOT NULL,
  at BIGINT NOT NULL
);
CREATE INDEX login_failures_key_at ON login_failures(throttle_key, at);

CREATE TABLE communities (
  id {{id}},
  slug TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  rules_md TEXT NOT NULL DEFAULT '',
  rules_html TEXT NOT NULL DEFAULT '',
  currency TEXT NOT NULL,
  is_public INTEGER NOT NULL DEFAULT 1,
  owner_id BIGINT NOT NULL REFERENCES users(id),
  member_count BIGINT NOT NULL DEFAULT 0,
  -- Net booked revenue in the community's currency, kept by the ledger (0 until payments).
  income_minor BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX communities_members ON communities(is_public, member_count, id);
CREATE INDEX communities_created ON communities(is_public, created_at, id);
CREATE INDEX communities_income ON communities(is_public, income_minor, id);

-- Who belongs to a community and with which role. Paid memberships (tiers) come later and
-- refer to this row's (community_id, user_id).
CREATE TABLE members (
  community_id BIGINT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'moderator', 'creator', 'member')),
  joined_at BIGINT NOT NULL,
  PRIMARY KEY (community_id, user_id)
);
CREATE INDEX members_user ON members(user_id);
CREATE INDEX members_community_joined ON members(community_id, joined_at);

CREATE TABLE posts (
  id {{id}},
  community_id BIGINT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
  author_id BIGINT NOT NULL REFERENCES users(id),
  kind TEXT NOT NULL CHECK (kind IN ('article', 'tutorial', 'snippet', 'question', 'discussion', 'video')),
  title TEXT NOT NULL,
  body_md TEXT NOT NULL,
  body_html TEXT NOT NULL,
  excerpt TEXT NOT NULL DEFAULT '',
  video_url TEXT NOT NULL DEFAULT '',
  video_embed_url TEXT NOT NULL DEFAULT '',
  -- draft | published | deleted. A published post is visible from publish_at on.
  status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'deleted')),
  publish_at BIGINT,
  pinned INTEGER NOT NULL DEFAULT 0,
  essence INTEGER NOT NULL DEFAULT 0,
  upvotes BIGINT NOT NULL DEFAULT 0,
  comment_count BIGINT NOT NULL DEFAULT 0,
  view_count BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE INDEX posts_feed_new ON posts(community_id, status, publish_at, id);
CREATE INDEX posts_feed_top ON posts(community_id, status, upvotes, id);
CREATE INDEX posts_author ON posts(author_id, created_at);

CREATE TABLE post_tags (
  post_id BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  community_id BIGINT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY (post_id, tag)
);
CREATE INDEX post_tags_tag ON post_tags(community_id, tag, post_id);

CREATE TABLE comments (
  id {{id}},
  post_id BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  -- One level of replies: a reply's parent is always a top-level comment.
  parent_id BIGINT REFERENCES comments(id),
  author_id BIGINT NOT NULL REFERENCES users(id),
  body_md TEXT NOT NULL,
  body_html TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  deleted_at BIGINT
);
CREATE INDEX comments_post ON comments(post_id, created_at, id);

CREATE TABLE post_votes (
  post_id BIGINT NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (post_id, user_id)
);

-- In-app notifications and followed tags (issue 4, part 3).
--
-- One row per notification and recipient. A recipient gets at most one per target (a reply
-- that also mentions the post's author notifies them once), enforced by a unique index that
-- producers meet with INSERT ... ON CONFLICT DO NOTHING. title/text hold only what the
-- recipient may read (never the paid part of a post).

CREATE TABLE notifications (
  id {{id}},
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  actor_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
  community_id BIGINT REFERENCES communities(id) ON DELETE CASCADE,
  target_type TEXT NOT NULL,
  target_id BIGINT NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  text TEXT NOT NULL DEFAULT '',
  link TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  read_at BIGINT
);
CREATE UNIQUE INDEX notifications_target ON notifications(user_id, target_type, target_id);
-- The list, newest first (keyset on id).
CREATE INDEX notifications_user ON notifications(user_id, id);
-- The unread count in every page header: the index holds unread rows only.
CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at IS NULL;

-- Tags a user follows in a community: a new post there with the tag notifies them.
CREATE TABLE tag_follows (
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  community_id BIGINT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, community_id, tag)
);
CREATE INDEX tag_follows_tag ON tag_follows(community_id, tag);

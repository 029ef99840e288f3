-- Moderation: reports, hidden posts and comments, warnings/mutes/bans with their audit log,
-- feedback tickets, surveys, and payment disputes. Times are Unix ms, booleans 0/1.

-- A hidden post or comment is seen only by its author (marked hidden) and the community's
-- moderators and up; NULL means visible. Hiding is reversible, unlike deletion.
ALTER TABLE posts ADD COLUMN hidden_at BIGINT;
ALTER TABLE comments ADD COLUMN hidden_at BIGINT;

-- Sanctions in force, read by access/ wherever posting, commenting, voting, joining and reading
-- are decided. A row is the current state; its history is the moderation log.
CREATE TABLE community_bans (
  community_id BIGINT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  banned_by BIGINT NOT NULL REFERENCES users(id),
  reason TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  PRIMARY KEY (community_id, user_id)
);
CREATE TABLE community_mutes (
  community_id BIGINT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  muted_by BIGINT NOT NULL REFERENCES users(id),
  reason TEXT NOT NULL DEFAULT '',
  ends_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (community_id, user_id)
);

-- Reports by members. One open report per reporter and target (the partial unique index);
-- a resolved report frees the pair, so the same target can be reported again later.
CREATE TABLE reports (
  id {{id}},
  community_id BIGINT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
  reporter_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  target_type TEXT NOT NULL CHECK (target_type IN ('post', 'comment', 'user')),
  target_id BIGINT NOT NULL,
  target_user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  reason TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'actioned', 'dismissed')),
  created_at BIGINT NOT NULL,
  resolved_by BIGINT REFERENCES users(id),
  resolved_at BIGINT,
  resolution_note TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX reports_one_open ON reports(reporter_id, target_type, target_id) WHERE status = 'open';
CREATE INDEX reports_queue ON reports(community_id, status, created_at);
CREATE INDEX reports_target ON reports(target_type, target_id, status);

-- The audit log: every moderation act (who, what, target, reason, when). Append-only.
CREATE TABLE moderation_log (
  id {{id}},
  community_id BIGINT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
  actor_id BIGINT NOT NULL REFERENCES users(id),
  action TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id BIGINT NOT NULL,
  target_user_id BIGINT REFERENCES users(id),
  reason TEXT NOT NULL DEFAULT '',
  ends_at BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX moderation_log_community ON moderation_log(community_id, id);
CREATE INDEX moderation_log_target_user ON moderation_log(community_id, target_user_id, action);

-- Feedback and complaints to a community's owners: a ticket and its thread.
CREATE TABLE feedback_tickets (
  id {{id}},
  community_id BIGINT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
  author_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  subject TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'answered', 'closed')),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX feedback_tickets_community ON feedback_tickets(community_id, updated_at);
CREATE INDEX feedback_tickets_author ON feedback_tickets(author_id, updated_at);
CREATE TABLE feedback_messages (
  id {{id}},
  ticket_id BIGINT NOT NULL REFERENCES feedback_tickets(id) ON DELETE CASCADE,
  author_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX feedback_messages_ticket ON feedback_messages(ticket_id, id);

-- Surveys: questions (single, multiple, text), their options, and one response per member.
CREATE TABLE surveys (
  id {{id}},
  community_id BIGINT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
  title TEXT NOT NULL,
  created_by BIGINT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL,
  closed_at BIGINT
);
CREATE INDEX surveys_community ON surveys(community_id, id);
CREATE TABLE survey_questions (
  id {{id}},
  survey_id BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('single', 'multiple', 'text')),
  prompt TEXT NOT NULL
);
CREATE INDEX survey_questions_survey ON survey_questions(survey_id, position);
CREATE TABLE survey_options (
  id {{id}},
  question_id BIGINT NOT NULL REFERENCES survey_questions(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  label TEXT NOT NULL
);
CREATE INDEX survey_options_question ON survey_options(question_id, position);
CREATE TABLE survey_responses (
  survey_id BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (survey_id, user_id)
);
CREATE TABLE survey_answers (
  id {{id}},
  survey_id BIGINT NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  question_id BIGINT NOT NULL REFERENCES survey_questions(id) ON DELETE CASCADE,
  option_id BIGINT REFERENCES survey_options(id) ON DELETE CASCADE,
  text_value TEXT
);
CREATE INDEX survey_answers_question ON survey_answers(question_id, option_id);

-- A member contests one of their payments: a thread with the community's owners and a recorded
-- resolution (refunded through billing's refunds, or rejected with a reason). One open dispute
-- per payment.
CREATE TABLE payment_disputes (
  id {{id}},
  payment_id BIGINT NOT NULL REFERENCES payments(id) ON DELETE CASCADE,
  community_id BIGINT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  reason TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'refunded', 'rejected')),
  resolution TEXT NOT NULL DEFAULT '',
  resolved_by BIGINT REFERENCES users(id),
  created_at BIGINT NOT NULL,
  resolved_at BIGINT
);
CREATE UNIQUE INDEX payment_disputes_one_open ON payment_disputes(payment_id) WHERE status = 'open';
CREATE INDEX payment_disputes_community ON payment_disputes(community_id, id);
CREATE TABLE dispute_messages (
  id {{id}},
  dispute_id BIGINT NOT NULL REFERENCES payment_disputes(id) ON DELETE CASCADE,
  author_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX dispute_messages_dispute ON dispute_messages(dispute_id, id);

-- Courses (src/learn): sections, ordered lessons, quizzes, enrolments, progress, certificates,
-- reviews, cohorts with live sessions.

-- Server-wide secrets (src/identity/secrets.hpp), made on first use with 32 random bytes so
-- that every node on one PostgreSQL database signs alike. IF NOT EXISTS: another migration may
-- bring the same table.
CREATE TABLE IF NOT EXISTS server_secrets (
  name TEXT PRIMARY KEY,
  secret TEXT NOT NULL,
  created_at BIGINT NOT NULL
);

-- access: free | tiers (course_tiers only) | paid (sold on its own; course_tiers may include it).
CREATE TABLE courses (
  id {{id}},
  community_id BIGINT NOT NULL REFERENCES communities(id),
  title TEXT NOT NULL,
  summary TEXT NOT NULL DEFAULT '',
  cover_url TEXT NOT NULL DEFAULT '',
  access TEXT NOT NULL,
  price_minor BIGINT,
  currency TEXT,
  created_by BIGINT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX courses_community ON courses(community_id, id);

CREATE TABLE course_tiers (
  course_id BIGINT NOT NULL REFERENCES courses(id),
  tier_id BIGINT NOT NULL REFERENCES tiers(id),
  PRIMARY KEY (course_id, tier_id)
);

CREATE TABLE course_instructors (
  course_id BIGINT NOT NULL REFERENCES courses(id),
  user_id BIGINT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL,
  PRIMARY KEY (course_id, user_id)
);
CREATE INDEX course_instructors_user ON course_instructors(user_id);

CREATE TABLE course_sections (
  id {{id}},
  course_id BIGINT NOT NULL REFERENCES courses(id),
  title TEXT NOT NULL,
  position BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX course_sections_course ON course_sections(course_id, position);

-- kind: text | video | file | quiz. file_id names a stored file (src/files, no foreign key
-- yet); a video is an embed of a whitelisted host (video_url) or a stored file.
CREATE TABLE lessons (
  id {{id}},
  course_id BIGINT NOT NULL REFERENCES courses(id),
  section_id BIGINT NOT NULL REFERENCES course_sections(id),
  title TEXT NOT NULL,
  kind TEXT NOT NULL,
  body_md TEXT NOT NULL DEFAULT '',
  body_html TEXT NOT NULL DEFAULT '',
  video_url TEXT NOT NULL DEFAULT '',
  video_embed_url TEXT NOT NULL DEFAULT '',
  file_id BIGINT,
  preview INTEGER NOT NULL DEFAULT 0,
  pass_percent BIGINT NOT NULL DEFAULT 0,
  position BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX lessons_section ON lessons(section_id, position);
CREATE INDEX lessons_course ON lessons(course_id);

-- kind: single | multiple | short. Options of a choice question, or the accepted answers of a
-- short one (all `correct`).
CREATE TABLE quiz_questions (
  id {{id}},
  lesson_id BIGINT NOT NULL REFERENCES lessons(id),
  kind TEXT NOT NULL,
  prompt TEXT NOT NULL,
  position BIGINT NOT NULL
);
CREATE INDEX quiz_questions_lesson ON quiz_questions(lesson_id, position);

CREATE TABLE quiz_options (
  id {{id}},
  question_id BIGINT NOT NULL REFERENCES quiz_questions(id),
  text TEXT NOT NULL,
  correct INTEGER NOT NULL DEFAULT 0,
  position BIGINT NOT NULL
);
CREATE INDEX quiz_options_question ON quiz_options(question_id, position);

CREATE TABLE quiz_attempts (
  id {{id}},
  lesson_id BIGINT NOT NULL REFERENCES lessons(id),
  user_id BIGINT NOT NULL REFERENCES users(id),
  correct BIGINT NOT NULL,
  total BIGINT NOT NULL,
  percent BIGINT NOT NULL,
  passed INTEGER NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX quiz_attempts_learner ON quiz_attempts(user_id, lesson_id);

CREATE TABLE cohorts (
  id {{id}},
  course_id BIGINT NOT NULL REFERENCES courses(id),
  title TEXT NOT NULL,
  starts_at BIGINT NOT NULL,
  ends_at BIGINT NOT NULL,
  seat_limit BIGINT NOT NULL,
  seats_taken BIGINT NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE INDEX cohorts_course ON cohorts(course_id, starts_at);

CREATE TABLE cohort_sessions (
  id {{id}},
  cohort_id BIGINT NOT NULL REFERENCES cohorts(id),
  title TEXT NOT NULL,
  starts_at BIGINT NOT NULL,
  ends_at BIGINT NOT NULL,
  link TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE INDEX cohort_sessions_cohort ON cohort_sessions(cohort_id, starts_at);

-- One per learner and course. paid_payment_id: the payment that bought it (NULL when free, by
-- tier, or refunded); status active | refunded.
CREATE TABLE enrolments (
  id {{id}},
  course_id BIGINT NOT NULL REFERENCES courses(id),
  user_id BIGINT NOT NULL REFERENCES users(id),
  cohort_id BIGINT REFERENCES cohorts(id),
  paid_payment_id BIGINT,
  status TEXT NOT NULL DEFAULT 'active',
  created_at BIGINT NOT NULL,
  UNIQUE (course_id, user_id)
);
CREATE INDEX enrolments_user ON enrolments(user_id);
CREATE INDEX enrolments_cohort ON enrolments(cohort_id);
CREATE INDEX enrolments_payment ON enrolments(paid_payment_id);

CREATE TABLE lesson_progress (
  user_id BIGINT NOT NULL REFERENCES users(id),
  lesson_id BIGINT NOT NULL REFERENCES lessons(id),
  course_id BIGINT NOT NULL REFERENCES courses(id),
  completed_at BIGINT,
  position_seconds BIGINT NOT NULL DEFAULT 0,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, lesson_id)
);
CREATE INDEX lesson_progress_course ON lesson_progress(user_id, course_id, updated_at);

CREATE TABLE certificates (
  id {{id}},
  course_id BIGINT NOT NULL REFERENCES courses(id),
  user_id BIGINT NOT NULL REFERENCES users(id),
  issued_at BIGINT NOT NULL,
  UNIQUE (course_id, user_id)
);

CREATE TABLE course_reviews (
  course_id BIGINT NOT NULL REFERENCES courses(id),
  user_id BIGINT NOT NULL REFERENCES users(id),
  rating BIGINT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (course_id, user_id)
);

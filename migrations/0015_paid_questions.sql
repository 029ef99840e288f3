-- Paid questions to an expert (知识星球's 付费提问). A member of the creator role or above sets
-- an offer per community (price, days to answer); a member asks, pays through the one checkout,
-- and the expert answers within the days or the payment is refunded automatically.
CREATE TABLE expert_offers (
  community_id BIGINT NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  price_minor BIGINT NOT NULL CHECK (price_minor > 0),
  currency TEXT NOT NULL,
  answer_days INTEGER NOT NULL CHECK (answer_days BETWEEN 1 AND 30),
  intro TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL DEFAULT 1,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (community_id, user_id)
);
CREATE INDEX expert_offers_active ON expert_offers(community_id, active);

-- status: awaiting_payment -> open (paid) -> answered | refunding -> refunded. A question leaves
-- 'open' by one conditional UPDATE, so an answer and the refund sweep cannot both win. Price and
-- days are copied from the offer when asked; the money itself is the payment's (payment_id).
CREATE TABLE paid_questions (
  id {{id}},
  community_id BIGINT NOT NULL REFERENCES communities(id),
  asker_id BIGINT NOT NULL REFERENCES users(id),
  expert_id BIGINT NOT NULL REFERENCES users(id),
  title TEXT NOT NULL,
  body_md TEXT NOT NULL,
  body_html TEXT NOT NULL,
  allow_publish INTEGER NOT NULL DEFAULT 0,
  price_minor BIGINT NOT NULL,
  currency TEXT NOT NULL,
  answer_days INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('awaiting_payment', 'open', 'answered', 'refunding', 'refunded')),
  payment_id BIGINT REFERENCES payments(id),
  paid_at BIGINT,
  deadline_at BIGINT,
  answer_md TEXT,
  answer_html TEXT,
  answered_at BIGINT,
  refund_reason TEXT,
  decline_reason TEXT,
  refunded_at BIGINT,
  post_id BIGINT REFERENCES posts(id),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX paid_questions_asker ON paid_questions(asker_id, id);
CREATE INDEX paid_questions_expert ON paid_questions(expert_id, status, id);
CREATE INDEX paid_questions_due ON paid_questions(status, deadline_at);
CREATE INDEX paid_questions_payment ON paid_questions(payment_id);

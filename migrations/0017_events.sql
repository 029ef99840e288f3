-- Events of a community (issue 5): online and offline events, ticket types with member prices
-- per tier, tickets with a waitlist and held seats, check-in, sponsors.
--
-- Times are UTC milliseconds; `timezone` is the IANA name the organiser chose, used to show
-- local times. `venue` and `online_url` are revealed only to holders of a confirmed ticket and
-- to organisers (events::location_visible decides, every door asks it).
CREATE TABLE events (
  id {{id}},
  community_id BIGINT NOT NULL REFERENCES communities(id),
  created_by BIGINT NOT NULL REFERENCES users(id),
  title TEXT NOT NULL,
  description_md TEXT NOT NULL DEFAULT '',
  description_html TEXT NOT NULL DEFAULT '',
  starts_at BIGINT NOT NULL,
  ends_at BIGINT NOT NULL,
  timezone TEXT NOT NULL,
  venue TEXT NOT NULL DEFAULT '',
  online_url TEXT NOT NULL DEFAULT '',
  capacity BIGINT NOT NULL,
  sales_start BIGINT,
  sales_end BIGINT,
  status TEXT NOT NULL DEFAULT 'published',
  -- Where the recording will be; it becomes a course lesson once courses exist.
  recording_url TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX events_community_starts ON events(community_id, starts_at);

-- Kinds of ticket of one event; price 0 is free. Member prices: the lowest price any of the
-- buyer's live tiers gives them (event_ticket_prices) or the list price, whichever is lower.
CREATE TABLE event_ticket_types (
  id {{id}},
  event_id BIGINT NOT NULL REFERENCES events(id),
  name TEXT NOT NULL,
  price_minor BIGINT NOT NULL DEFAULT 0,
  currency TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX event_ticket_types_event ON event_ticket_types(event_id);

CREATE TABLE event_ticket_prices (
  ticket_type_id BIGINT NOT NULL REFERENCES event_ticket_types(id),
  tier_id BIGINT NOT NULL REFERENCES tiers(id),
  price_minor BIGINT NOT NULL,
  PRIMARY KEY (ticket_type_id, tier_id)
);

-- status: pending (a paid seat held until hold_until), confirmed, waitlisted, canceled,
-- expired (a hold lapsed unpaid), refunded. Seats taken = confirmed + pending.
CREATE TABLE event_tickets (
  id {{id}},
  event_id BIGINT NOT NULL REFERENCES events(id),
  ticket_type_id BIGINT NOT NULL REFERENCES event_ticket_types(id),
  user_id BIGINT NOT NULL REFERENCES users(id),
  code TEXT NOT NULL,
  status TEXT NOT NULL,
  price_minor BIGINT NOT NULL DEFAULT 0,
  currency TEXT NOT NULL,
  hold_until BIGINT,
  payment_id BIGINT,
  waitlisted_at BIGINT,
  confirmed_at BIGINT,
  canceled_at BIGINT,
  checked_in_at BIGINT,
  checked_in_by BIGINT REFERENCES users(id),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX event_tickets_code ON event_tickets(code);
-- One live ticket per member and event.
CREATE UNIQUE INDEX event_tickets_live ON event_tickets(event_id, user_id)
  WHERE status IN ('pending', 'confirmed', 'waitlisted');
CREATE INDEX event_tickets_event_status ON event_tickets(event_id, status, id);
CREATE INDEX event_tickets_user ON event_tickets(user_id, id);
CREATE INDEX event_tickets_payment ON event_tickets(payment_id);
CREATE INDEX event_tickets_holds ON event_tickets(hold_until) WHERE status = 'pending';

-- Placeholder for sponsorship (ROADMAP 9): names and logos shown on the event page.
CREATE TABLE event_sponsors (
  id {{id}},
  event_id BIGINT NOT NULL REFERENCES events(id),
  name TEXT NOT NULL,
  url TEXT NOT NULL DEFAULT '',
  logo_url TEXT NOT NULL DEFAULT '',
  tier_label TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL
);
CREATE INDEX event_sponsors_event ON event_sponsors(event_id, id);

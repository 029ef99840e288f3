#include "moderation/feedback.hpp"

#include "access/access.hpp"
#include "core/text.hpp"
#include "notify/notifications.hpp"

namespace gh::moderation {
namespace {

Error ticket_not_found() {
  return not_found("feedback.not_found", "No such ticket.");
}

}  // namespace

std::vector<UserId> community_managers(db::Tx& tx, CommunityId community) {
  std::vector<UserId> out;
  for (auto r : tx.exec("SELECT user_id FROM members WHERE community_id = $1 AND role IN ('owner', 'admin') "
                        "ORDER BY user_id",
                        {community.value})) {
    out.emplace_back(r.i64(0));
  }
  return out;
}

void notify_message(db::Tx& tx, const std::vector<UserId>& recipients, UserId actor, std::string_view kind,
                    CommunityId community, std::string_view target_type, int64_t message_id, std::string_view title,
                    std::string_view text, std::string link, Millis now) {
  for (const auto user : recipients) {
    if (user == actor) {
      continue;
    }
    notify::add(tx,
                {user, std::string(kind), actor, community, std::string(target_type), message_id, std::string(title),
                 std::string(text), link},
                now);
  }
}

Result<std::string> clean_message(std::string_view body, std::string_view code_prefix) {
  auto text = text::trim(body);
  if (text.empty() || !text::is_valid_utf8(text) || text::utf8_length(text) > kMaxMessageChars) {
    return invalid(std::string(code_prefix) + ".invalid_body", "A message has 1 to 10,000 characters.", "body");
  }
  return text;
}

Result<Ticket> Feedback::open(UserId author, std::string_view community_slug, std::string_view subject,
                              std::string_view body) {
  const auto clean_subject = text::trim(subject);
  if (clean_subject.empty() || !text::is_valid_utf8(clean_subject) ||
      text::utf8_length(clean_subject) > kMaxSubjectChars) {
    return invalid("feedback.invalid_subject", "A subject has 1 to 200 characters.", "subject");
  }
  auto clean_body = clean_message(body, "feedback");
  if (!clean_body) {
    return std::move(clean_body).error();
  }
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Ticket> {
    auto community = tx.one("SELECT id, is_public FROM communities WHERE slug = $1", {std::string(community_slug)});
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    const CommunityId community_id(community->row().i64(0));
    const bool is_member =
        tx.one("SELECT 1 FROM members WHERE community_id = $1 AND user_id = $2", {community_id.value, author.value})
            .has_value();
    if (!community->row().boolean(1) && !is_member) {
      return not_found("community.not_found", "No such community.");
    }
    auto id = tx.scalar_i64(
        "INSERT INTO feedback_tickets (community_id, author_id, subject, status, created_at, updated_at) "
        "VALUES ($1, $2, $3, 'open', $4, $4) RETURNING id",
        {community_id.value, author.value, clean_subject, now});
    const auto message = tx.scalar_i64(
        "INSERT INTO feedback_messages (ticket_id, author_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        {*id, author.value, *clean_body, now});
    notify_message(tx, community_managers(tx, community_id), author, "feedback_opened", community_id,
                   "feedback_message", *message, clean_subject, *clean_body, "/feedback/" + std::to_string(*id), now);
    return load(tx, author, *id);
  });
}

Result<std::vector<Ticket>> Feedback::list(UserId viewer, std::string_view community_slug) {
  return db_.read([&](db::Tx& tx) -> Result<std::vector<Ticket>> {
    auto community = tx.one("SELECT id FROM communities WHERE slug = $1", {std::string(community_slug)});
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    const CommunityId community_id(community->row().i64(0));
    const bool staff = access::role_in(tx, viewer, community_id) >= access::Role::Admin;
    std::vector<Ticket> out;
    for (auto r :
         tx.exec("SELECT t.id, t.subject, t.status, t.created_at, t.updated_at, u.id, u.username, u.display_name "
                 "FROM feedback_tickets t JOIN users u ON u.id = t.author_id WHERE t.community_id = $1 AND "
                 "($2 = 1 OR t.author_id = $3) ORDER BY t.updated_at DESC, t.id DESC LIMIT 200",
                 {community_id.value, staff ? 1 : 0, viewer.value})) {
      Ticket t;
      t.id = r.i64(0);
      t.community = community_id;
      t.community_slug = std::string(community_slug);
      t.subject = r.text(1);
      t.status = r.text(2);
      t.created_at = r.i64(3);
      t.updated_at = r.i64(4);
      t.author = content::Author{UserId(r.i64(5)), r.text(6), r.text(7)};
      t.viewer_is_staff = staff;
      out.push_back(std::move(t));
    }
    return out;
  });
}

Result<Ticket> Feedback::load(db::Tx& tx, UserId viewer, int64_t id) {
  auto row = tx.one(
      "SELECT t.id, t.community_id, c.slug, c.name, u.id, u.username, u.display_name, t.subject, t.status, "
      "t.created_at, t.updated_at FROM feedback_tickets t JOIN communities c ON c.id = t.community_id "
      "JOIN users u ON u.id = t.author_id WHERE t.id = $1",
      {id});
  if (!row) {
    return ticket_not_found();
  }
  const auto& r = row->row();
  Ticket t;
  t.id = r.i64(0);
  t.community = CommunityId(r.i64(1));
  t.community_slug = r.text(2);
  t.community_name = r.text(3);
  t.author = content::Author{UserId(r.i64(4)), r.text(5), r.text(6)};
  t.subject = r.text(7);
  t.status = r.text(8);
  t.created_at = r.i64(9);
  t.updated_at = r.i64(10);
  t.viewer_is_staff = access::role_in(tx, viewer, t.community) >= access::Role::Admin;
  if (!t.viewer_is_staff && t.author.id != viewer) {
    return ticket_not_found();
  }
  for (auto m : tx.exec("SELECT m.id, u.id, u.username, u.display_name, m.body, m.created_at FROM feedback_messages m "
                        "JOIN users u ON u.id = m.author_id WHERE m.ticket_id = $1 ORDER BY m.id",
                        {id})) {
    Message message{m.i64(0), content::Author{UserId(m.i64(1)), m.text(2), m.text(3)}, m.text(4), false, m.i64(5)};
    message.from_staff = message.author.id != t.author.id;
    t.messages.push_back(std::move(message));
  }
  return t;
}

Result<Ticket> Feedback::get(UserId viewer, int64_t id) {
  return db_.read([&](db::Tx& tx) { return load(tx, viewer, id); });
}

Result<Ticket> Feedback::reply(UserId viewer, int64_t id, std::string_view body) {
  auto clean_body = clean_message(body, "feedback");
  if (!clean_body) {
    return std::move(clean_body).error();
  }
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Ticket> {
    auto ticket = load(tx, viewer, id);
    if (!ticket) {
      return ticket;
    }
    const bool by_author = ticket->author.id == viewer;
    // The status follows who spoke last; the conditional update refuses a closed ticket even
    // when it was closed a moment ago by the other side.
    auto updated =
        tx.exec("UPDATE feedback_tickets SET status = $1, updated_at = $2 WHERE id = $3 AND status <> 'closed'",
                {by_author ? "open" : "answered", now, id});
    if (updated.affected != 1) {
      return conflict("feedback.closed", "This ticket is closed.");
    }
    const auto message = tx.scalar_i64(
        "INSERT INTO feedback_messages (ticket_id, author_id, body, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
        {id, viewer.value, *clean_body, now});
    // The other side hears of it: the author of a staff reply, the managers of the author's.
    notify_message(tx, by_author ? community_managers(tx, ticket->community) : std::vector<UserId>{ticket->author.id},
                   viewer, "feedback_reply", ticket->community, "feedback_message", *message, ticket->subject,
                   *clean_body, "/feedback/" + std::to_string(id), now);
    return load(tx, viewer, id);
  });
}

Result<Ticket> Feedback::close(UserId viewer, int64_t id) {
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Ticket> {
    auto ticket = load(tx, viewer, id);
    if (!ticket) {
      return ticket;
    }
    tx.exec("UPDATE feedback_tickets SET status = 'closed', updated_at = $1 WHERE id = $2 AND status <> 'closed'",
            {now, id});
    return load(tx, viewer, id);
  });
}

}  // namespace gh::moderation

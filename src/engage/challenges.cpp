#include "engage/challenges.hpp"

#include <algorithm>
#include <map>

#include "access/access.hpp"
#include "core/text.hpp"
#include "engage/badges.hpp"
#include "engage/points.hpp"

namespace gh::engage {
namespace {

std::string day_text(int64_t day) {
  return format_rfc3339(day * kDayMs).substr(0, 10);
}

struct CommunityRow {
  CommunityId id;
  bool is_public = true;
};

std::optional<CommunityRow> find_community(db::Tx& tx, std::string_view slug) {
  auto row = tx.one("SELECT id, is_public FROM communities WHERE slug = $1", {std::string(slug)});
  if (!row) {
    return std::nullopt;
  }
  return CommunityRow{CommunityId(row->row().i64(0)), row->row().boolean(1)};
}

constexpr std::string_view kColumns =
    "SELECT h.id, h.community_id, c.slug, c.name, h.title, h.description, h.starts_day, h.days, c.is_public "
    "FROM challenges h JOIN communities c ON c.id = h.community_id";

Challenge challenge_from_row(const db::Row& r, int64_t today) {
  Challenge c;
  c.id = r.i64(0);
  c.community_id = CommunityId(r.i64(1));
  c.community_slug = r.text(2);
  c.community_name = r.text(3);
  c.title = r.text(4);
  c.description = r.text(5);
  const int64_t start = r.i64(6);
  c.days = r.i64(7);
  c.starts_on = day_text(start);
  c.ends_on = day_text(start + c.days - 1);
  c.running = today >= start && today < start + c.days;
  c.ended = today >= start + c.days;
  return c;
}

}  // namespace

Streaks streaks_of(const std::vector<int64_t>& days, int64_t today) {
  Streaks s;
  int64_t run = 0;
  for (size_t i = 0; i < days.size(); ++i) {
    run = (i > 0 && days[i] == days[i - 1] + 1) ? run + 1 : 1;
    s.best = std::max(s.best, run);
  }
  if (!days.empty() && (days.back() == today || days.back() == today - 1)) {
    s.current = run;
  }
  return s;
}

Challenges::Challenges(db::Database& db, const Clock& clock) : db_(db), clock_(clock) {}

Result<Challenge> Challenges::create(UserId actor, std::string_view community_slug, const ChallengeInput& input) {
  const auto title = text::trim(input.title);
  if (title.empty() || !text::is_valid_utf8(title) || text::utf8_length(title) > 200) {
    return invalid("challenge.invalid_title", "Titles have 1 to 200 characters.", "title");
  }
  if (!text::is_valid_utf8(input.description) || text::utf8_length(input.description) > 2000) {
    return invalid("challenge.invalid_description", "Descriptions have at most 2,000 characters.", "description");
  }
  const auto start = input.starts_on.size() == 10 ? parse_rfc3339(input.starts_on + "T00:00:00Z") : std::nullopt;
  if (!start) {
    return invalid("challenge.invalid_starts_on", "starts_on is a date (YYYY-MM-DD).", "starts_on");
  }
  if (input.days < 1 || input.days > kMaxChallengeDays) {
    return invalid("challenge.invalid_days", "A challenge lasts 1 to 365 days.", "days");
  }
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Challenge> {
    auto community = find_community(tx, community_slug);
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    const auto role = access::role_in(tx, actor, community->id);
    if (!community->is_public && role == access::Role::None) {
      return not_found("community.not_found", "No such community.");
    }
    if (!access::allows(role, access::Action::EditCommunity)) {
      return forbidden("challenge.admins_only", "Only owners and admins open challenges.");
    }
    auto id = tx.scalar_i64(
        "INSERT INTO challenges (community_id, title, description, starts_day, days, created_by, created_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        {community->id.value, title, input.description, utc_day(*start), input.days, actor.value, now});
    auto row = tx.one(std::string(kColumns) + " WHERE h.id = $1", {*id});
    return challenge_from_row(row->row(), utc_day(now));
  });
}

Result<std::vector<Challenge>> Challenges::list(std::optional<UserId> viewer, std::string_view community_slug) {
  const int64_t today = utc_day(clock_.now_ms());
  return db_.read([&](db::Tx& tx) -> Result<std::vector<Challenge>> {
    auto community = find_community(tx, community_slug);
    if (!community || (!community->is_public && access::role_in(tx, viewer, community->id) == access::Role::None)) {
      return not_found("community.not_found", "No such community.");
    }
    std::vector<Challenge> out;
    for (auto r : tx.exec(std::string(kColumns) + " WHERE h.community_id = $1 ORDER BY h.starts_day DESC, h.id DESC "
                                                  "LIMIT 100",
                          {community->id.value})) {
      out.push_back(challenge_from_row(r, today));
    }
    return out;
  });
}

Result<Challenge> Challenges::get(std::optional<UserId> viewer, int64_t id) {
  const int64_t today = utc_day(clock_.now_ms());
  return db_.read([&](db::Tx& tx) -> Result<Challenge> {
    auto row = tx.one(std::string(kColumns) + " WHERE h.id = $1", {id});
    if (!row) {
      return not_found("challenge.not_found", "No such challenge.");
    }
    auto challenge = challenge_from_row(row->row(), today);
    const auto role = access::role_in(tx, viewer, challenge.community_id);
    if (!row->row().boolean(8) && role == access::Role::None) {
      return not_found("challenge.not_found", "No such challenge.");
    }
    // One query for every participant's days; streaks are computed here.
    std::map<int64_t, std::pair<Participant, std::vector<int64_t>>> by_user;
    for (auto r : tx.exec("SELECT u.id, u.username, u.display_name, k.day FROM checkins k "
                          "JOIN users u ON u.id = k.user_id WHERE k.challenge_id = $1 ORDER BY u.id, k.day",
                          {id})) {
      auto& [participant, days] = by_user[r.i64(0)];
      participant.username = r.text(1);
      participant.display_name = r.text(2);
      days.push_back(r.i64(3));
    }
    for (auto& [user_id, entry] : by_user) {
      auto& [participant, days] = entry;
      const auto streaks = streaks_of(days, today);
      participant.checkins = static_cast<int64_t>(days.size());
      participant.current_streak = streaks.current;
      participant.best_streak = streaks.best;
      participant.completed = participant.checkins >= challenge.days;
      participant.checked_in_today = days.back() == today;
      if (viewer && viewer->value == user_id) {
        challenge.viewer_checked_in_today = participant.checked_in_today;
      }
      challenge.participants.push_back(participant);
    }
    std::stable_sort(challenge.participants.begin(), challenge.participants.end(),
                     [](const Participant& a, const Participant& b) {
                       return a.checkins != b.checkins ? a.checkins > b.checkins : a.best_streak > b.best_streak;
                     });
    challenge.viewer_can_check_in =
        challenge.running && !challenge.viewer_checked_in_today && access::allows(role, access::Action::Comment);
    return challenge;
  });
}

Result<CheckIn> Challenges::check_in(UserId user, int64_t id, std::string_view note_text) {
  const auto note = text::trim(note_text);
  if (!text::is_valid_utf8(note) || text::utf8_length(note) > kMaxNoteChars) {
    return invalid("challenge.invalid_note", "A note has at most 500 characters.", "note");
  }
  const Millis now = clock_.now_ms();
  const int64_t today = utc_day(now);
  return db_.write([&](db::Tx& tx) -> Result<CheckIn> {
    auto row = tx.one(std::string(kColumns) + " WHERE h.id = $1", {id});
    if (!row) {
      return not_found("challenge.not_found", "No such challenge.");
    }
    const auto challenge = challenge_from_row(row->row(), today);
    const auto role = access::role_in(tx, user, challenge.community_id);
    if (role == access::Role::None) {
      if (!row->row().boolean(8)) {
        return not_found("challenge.not_found", "No such challenge.");
      }
      return forbidden("community.members_only", "Join the community to check in.");
    }
    if (challenge.ended) {
      return conflict("challenge.ended", "This challenge has ended.");
    }
    if (!challenge.running) {
      return conflict("challenge.not_started", "This challenge has not started yet.");
    }
    auto inserted = tx.one(
        "INSERT INTO checkins (challenge_id, user_id, day, note, created_at) VALUES ($1, $2, $3, $4, $5) "
        "ON CONFLICT DO NOTHING RETURNING id",
        {id, user.value, today, note, now});
    if (!inserted) {
      return conflict("challenge.already_checked_in", "You checked in today already; come back tomorrow (UTC).");
    }
    CheckIn out;
    out.id = inserted->row().i64(0);
    out.day = day_text(today);
    out.points = award(tx, AwardInput{user, challenge.community_id, Act::CheckIn, "checkin", out.id, UserId(), now});
    std::vector<int64_t> days;
    for (auto r :
         tx.exec("SELECT day FROM checkins WHERE challenge_id = $1 AND user_id = $2 ORDER BY day", {id, user.value})) {
      days.push_back(r.i64(0));
    }
    out.current_streak = streaks_of(days, today).current;
    for (const auto& [length, badge] : {std::pair<int64_t, std::string_view>{7, "streak_7"}, {30, "streak_30"}}) {
      if (out.current_streak >= length && grant_badge(tx, user, challenge.community_id, badge, now)) {
        out.new_badges.emplace_back(badge);
      }
    }
    return out;
  });
}

}  // namespace gh::engage

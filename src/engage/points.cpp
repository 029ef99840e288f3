#include "engage/points.hpp"

#include <algorithm>

namespace gh::engage {
namespace {

// Transfers between members, not earned from the platform: leaderboards skip the asker's own
// holds and returns, and moderation reversals leave all three alone.
constexpr std::string_view kBountyReasons = "'bounty_hold', 'bounty_paid', 'bounty_returned'";

int64_t actor_value(UserId actor) {
  return actor.valid() ? actor.value : 0;
}

void add_to_balance(db::Tx& tx, UserId user, CommunityId community, int64_t delta) {
  tx.exec("UPDATE point_balances SET balance = balance + $1 WHERE user_id = $2 AND community_id = $3",
          {delta, user.value, community.value});
}

// The award of this act and source that no entry reverses yet.
std::optional<std::pair<int64_t, int64_t>> standing_award(db::Tx& tx, const AwardInput& in) {
  auto row = tx.one(
      "SELECT e.id, e.delta FROM point_entries e WHERE e.user_id = $1 AND e.community_id = $2 AND e.reason = $3 "
      "AND e.source_type = $4 AND e.source_id = $5 AND e.actor_id = $6 AND e.reverses IS NULL "
      "AND NOT EXISTS (SELECT 1 FROM point_entries r WHERE r.reverses = e.id) ORDER BY e.id DESC LIMIT 1",
      {in.user.value, in.community.value, act_name(in.act), in.source_type, in.source_id, actor_value(in.actor)});
  if (!row) {
    return std::nullopt;
  }
  return std::make_pair(row->row().i64(0), row->row().i64(1));
}

// Writes the reversal of entry `id` (once: the unique index on `reverses`).
bool reverse_entry(db::Tx& tx, int64_t id, std::string_view reason, Millis now) {
  auto original = tx.one(
      "SELECT user_id, community_id, delta, source_type, source_id, actor_id, seq FROM point_entries WHERE id = $1",
      {id});
  if (!original) {
    return false;
  }
  const auto& r = original->row();
  const UserId user(r.i64(0));
  const CommunityId community(r.i64(1));
  lock_balance(tx, user, community);
  auto inserted = tx.exec(
      "INSERT INTO point_entries (user_id, community_id, delta, reason, source_type, source_id, actor_id, seq, "
      "reverses, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
      {user.value, community.value, -r.i64(2), reason, r.text(3), r.i64(4), r.i64(5), r.i64(6), id, now});
  if (inserted.affected != 1) {
    return false;
  }
  add_to_balance(tx, user, community, -r.i64(2));
  return true;
}

int64_t count_of(db::Tx& tx, std::string_view sql, std::initializer_list<db::Param> params) {
  return tx.scalar_i64(sql, params).value_or(0);
}

}  // namespace

std::string_view act_name(Act act) {
  switch (act) {
    case Act::PostPublished: return "post_published";
    case Act::AnswerAccepted: return "answer_accepted";
    case Act::UpvoteReceived: return "upvote_received";
    case Act::CheckIn: return "checkin";
    case Act::LessonCompleted: return "lesson_completed";
    case Act::EventAttended: return "event_attended";
  }
  return "";
}

std::optional<Act> parse_act(std::string_view name) {
  for (auto act : kActs) {
    if (act_name(act) == name) {
      return act;
    }
  }
  return std::nullopt;
}

Rule default_rule(Act act) {
  switch (act) {
    case Act::PostPublished: return {act, 5, 25};
    case Act::AnswerAccepted: return {act, 15, 150};
    case Act::UpvoteReceived: return {act, 2, 40};
    case Act::CheckIn: return {act, 2, 2};
    case Act::LessonCompleted: return {act, 3, 30};
    case Act::EventAttended: return {act, 10, 100};
  }
  return {act, 0, 0};
}

Rule rule_of(db::Tx& tx, CommunityId community, Act act) {
  auto row = tx.one("SELECT points, daily_cap FROM point_rules WHERE community_id = $1 AND act = $2",
                    {community.value, act_name(act)});
  if (!row) {
    return default_rule(act);
  }
  return Rule{act, row->row().i64(0), row->row().i64(1)};
}

std::vector<Rule> rules_of(db::Tx& tx, CommunityId community) {
  std::vector<Rule> out;
  for (auto act : kActs) {
    out.push_back(rule_of(tx, community, act));
  }
  return out;
}

Status set_rule(db::Tx& tx, CommunityId community, const Rule& rule) {
  if (rule.points < 0 || rule.points > 1000) {
    return invalid("points.invalid_points", "Points per act are between 0 and 1,000.", "points");
  }
  if (rule.daily_cap < 0 || rule.daily_cap > 100'000) {
    return invalid("points.invalid_daily_cap", "A daily cap is between 0 and 100,000.", "daily_cap");
  }
  tx.exec(
      "INSERT INTO point_rules (community_id, act, points, daily_cap) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (community_id, act) DO UPDATE SET points = excluded.points, daily_cap = excluded.daily_cap",
      {community.value, act_name(rule.act), rule.points, rule.daily_cap});
  return {};
}

int64_t lock_balance(db::Tx& tx, UserId user, CommunityId community) {
  // DO UPDATE (not DO NOTHING) so that PostgreSQL locks an existing row until commit.
  return *tx.scalar_i64(
      "INSERT INTO point_balances (user_id, community_id, balance) VALUES ($1, $2, 0) "
      "ON CONFLICT (user_id, community_id) DO UPDATE SET balance = point_balances.balance RETURNING balance",
      {user.value, community.value});
}

int64_t balance_of(db::Tx& tx, UserId user, CommunityId community) {
  return tx
      .scalar_i64("SELECT balance FROM point_balances WHERE user_id = $1 AND community_id = $2",
                  {user.value, community.value})
      .value_or(0);
}

int64_t award(db::Tx& tx, const AwardInput& in) {
  if (in.actor.valid() && in.actor == in.user) {
    return 0;
  }
  const auto rule = rule_of(tx, in.community, in.act);
  if (rule.points <= 0) {
    return 0;
  }
  lock_balance(tx, in.user, in.community);
  if (standing_award(tx, in)) {
    return 0;
  }
  const auto reason = act_name(in.act);
  const Millis day_start = utc_day(in.now) * kDayMs;
  const int64_t earned_today = count_of(tx,
                                        "SELECT CAST(COALESCE(SUM(delta), 0) AS BIGINT) FROM point_entries "
                                        "WHERE user_id = $1 AND community_id = $2 AND reason = $3 "
                                        "AND reverses IS NULL AND created_at >= $4",
                                        {in.user.value, in.community.value, reason, day_start});
  const int64_t points = std::min(rule.points, rule.daily_cap - earned_today);
  if (points <= 0) {
    return 0;
  }
  if (in.act == Act::UpvoteReceived && in.actor.valid()) {
    constexpr std::string_view pair_sql =
        "SELECT COUNT(*) FROM point_entries WHERE user_id = $1 AND community_id = $2 AND reason = $3 "
        "AND actor_id = $4 AND reverses IS NULL AND created_at >= $5";
    if (count_of(tx, pair_sql, {in.user.value, in.community.value, reason, in.actor.value, day_start}) >=
            kPairDailyCap ||
        count_of(tx, pair_sql, {in.user.value, in.community.value, reason, in.actor.value, Millis{0}}) >=
            kPairLifetimeCap) {
      return 0;
    }
  }
  // seq: how many times this act was paid (and reversed) before.
  const int64_t seq =
      count_of(tx,
               "SELECT COUNT(*) FROM point_entries WHERE user_id = $1 AND community_id = $2 "
               "AND reason = $3 AND source_type = $4 AND source_id = $5 AND actor_id = $6 "
               "AND reverses IS NULL",
               {in.user.value, in.community.value, reason, in.source_type, in.source_id, actor_value(in.actor)});
  auto inserted = tx.exec(
      "INSERT INTO point_entries (user_id, community_id, delta, reason, source_type, source_id, actor_id, seq, "
      "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
      {in.user.value, in.community.value, points, reason, in.source_type, in.source_id, actor_value(in.actor), seq,
       in.now});
  if (inserted.affected != 1) {
    return 0;
  }
  add_to_balance(tx, in.user, in.community, points);
  return points;
}

int64_t reverse_award(db::Tx& tx, const AwardInput& in, std::string_view reason) {
  lock_balance(tx, in.user, in.community);
  auto standing = standing_award(tx, in);
  if (!standing || !reverse_entry(tx, standing->first, reason, in.now)) {
    return 0;
  }
  return standing->second;
}

int64_t reverse_points_for(db::Tx& tx, std::string_view source_type, int64_t source_id, std::string_view reason,
                           Millis now) {
  std::vector<int64_t> ids;
  for (auto r : tx.exec("SELECT e.id FROM point_entries e WHERE e.source_type = $1 AND e.source_id = $2 "
                        "AND e.reverses IS NULL AND e.reason NOT IN (" +
                            std::string(kBountyReasons) +
                            ") AND NOT EXISTS (SELECT 1 FROM point_entries r WHERE r.reverses = e.id) ORDER BY e.id",
                        {std::string(source_type), source_id})) {
    ids.push_back(r.i64(0));
  }
  int64_t reversed = 0;
  for (auto id : ids) {
    reversed += reverse_entry(tx, id, reason, now) ? 1 : 0;
  }
  return reversed;
}

bool post_transfer(db::Tx& tx, UserId user, CommunityId community, int64_t delta, std::string_view reason,
                   std::string_view source_type, int64_t source_id, Millis now) {
  lock_balance(tx, user, community);
  auto inserted = tx.exec(
      "INSERT INTO point_entries (user_id, community_id, delta, reason, source_type, source_id, created_at) "
      "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
      {user.value, community.value, delta, reason, source_type, source_id, now});
  if (inserted.affected != 1) {
    return false;
  }
  add_to_balance(tx, user, community, delta);
  return true;
}

Statement statement_of(db::Tx& tx, UserId user, std::optional<CommunityId> community, int limit) {
  Statement out;
  const int64_t community_value = community ? community->value : 0;
  out.balance = count_of(tx,
                         "SELECT CAST(COALESCE(SUM(balance), 0) AS BIGINT) FROM point_balances "
                         "WHERE user_id = $1 AND ($2 = 0 OR community_id = $2)",
                         {user.value, community_value});
  for (auto r : tx.exec("SELECT e.id, c.slug, e.delta, e.reason, e.source_type, e.source_id, e.reverses, e.created_at "
                        "FROM point_entries e JOIN communities c ON c.id = e.community_id "
                        "WHERE e.user_id = $1 AND ($2 = 0 OR e.community_id = $2) ORDER BY e.id DESC LIMIT " +
                            std::to_string(std::clamp(limit, 1, 500)),
                        {user.value, community_value})) {
    out.entries.push_back(Entry{r.i64(0), r.text(1), r.i64(2), r.text(3), r.text(4), r.i64(5), r.opt_i64(6), r.i64(7)});
  }
  return out;
}

std::vector<std::string> check_balances(db::Tx& tx) {
  std::vector<std::string> problems;
  for (auto r :
       tx.exec("SELECT b.user_id, b.community_id, b.balance, (SELECT CAST(COALESCE(SUM(e.delta), 0) AS BIGINT) "
               "FROM point_entries e WHERE e.user_id = b.user_id AND e.community_id = b.community_id) FROM "
               "point_balances b "
               "UNION ALL SELECT DISTINCT e.user_id, e.community_id, 0, 1 FROM point_entries e WHERE NOT EXISTS "
               "(SELECT 1 FROM point_balances b WHERE b.user_id = e.user_id AND b.community_id = e.community_id)")) {
    if (r.i64(2) != r.i64(3)) {
      problems.push_back("points of user " + std::to_string(r.i64(0)) + " in community " + std::to_string(r.i64(1)) +
                         ": balance " + std::to_string(r.i64(2)) + " but entries sum to " + std::to_string(r.i64(3)));
    }
  }
  return problems;
}

int level_for(int64_t points) {
  int level = 1;
  for (size_t i = 1; i < kLevelThresholds.size(); ++i) {
    if (points >= kLevelThresholds[i]) {
      level = static_cast<int>(i) + 1;
    }
  }
  return level;
}

std::optional<Period> parse_period(std::string_view text) {
  if (text == "week") {
    return Period::Week;
  }
  if (text == "month") {
    return Period::Month;
  }
  if (text.empty() || text == "all") {
    return Period::All;
  }
  return std::nullopt;
}

std::vector<LeaderboardEntry> leaderboard(db::Tx& tx, CommunityId community, Period period, Millis now, int limit) {
  const Millis since = period == Period::Week ? now - 7 * kDayMs : period == Period::Month ? now - 30 * kDayMs : 0;
  std::vector<LeaderboardEntry> out;
  for (auto r : tx.exec("SELECT u.username, u.display_name, CAST(SUM(e.delta) AS BIGINT) AS total "
                        "FROM point_entries e JOIN users u ON u.id = e.user_id "
                        "WHERE e.community_id = $1 AND e.created_at >= $2 "
                        "AND e.reason NOT IN ('bounty_hold', 'bounty_returned') "
                        "GROUP BY u.id, u.username, u.display_name HAVING SUM(e.delta) > 0 "
                        "ORDER BY total DESC, u.username LIMIT " +
                            std::to_string(std::clamp(limit, 1, 100)),
                        {community.value, since})) {
    out.push_back(LeaderboardEntry{r.text(0), r.text(1), r.i64(2)});
  }
  return out;
}

}  // namespace gh::engage

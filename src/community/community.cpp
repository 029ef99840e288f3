#include "community/community.hpp"

#include <array>

#include "access/sanctions.hpp"
#include "core/cursor.hpp"
#include "core/text.hpp"
#include "render/markdown.hpp"

namespace gh::community {
namespace {

constexpr std::string_view kColumns =
    "c.id, c.slug, c.name, c.description, c.rules_md, c.rules_html, c.currency, c.is_public, c.owner_id, "
    "c.member_count, c.income_minor, c.created_at, c.updated_at";

constexpr std::array kReservedSlugs = {"new", "api", "admin", "static", "login", "logout", "signup", "settings",
                                       "me",  "c",   "p",     "u",      "tags",  "search", "healthz"};

// Net booked revenue per currency for a page of communities, in one query; the community's own
// currency first (shown even when zero), others by currency code.
void fill_incomes(db::Tx& tx, std::vector<Community>& communities) {
  if (communities.empty()) {
    return;
  }
  std::string sql = "SELECT community_id, currency, net_minor FROM community_income WHERE community_id IN (";
  std::vector<db::Param> params;
  for (size_t i = 0; i < communities.size(); ++i) {
    communities[i].incomes.clear();
    if (auto own = Money::create(communities[i].income_minor, communities[i].currency)) {
      communities[i].incomes.push_back(*own);
    }
    sql += (i > 0 ? ", $" : "$") + std::to_string(i + 1);
    params.emplace_back(communities[i].id.value);
  }
  sql += ") ORDER BY community_id, currency";
  for (auto r : tx.exec(sql, params)) {
    for (auto& c : communities) {
      if (c.id.value == r.i64(0) && r.text(1) != c.currency && r.i64(2) != 0) {
        if (auto money = Money::create(r.i64(2), r.text(1))) {
          c.incomes.push_back(*money);
        }
      }
    }
  }
}

Community from_row(const db::Row& r) {
  return Community{CommunityId(r.i64(0)), r.text(1),        r.text(2), r.text(3), r.text(4), r.text(5), r.text(6),
                   r.boolean(7),          UserId(r.i64(8)), r.i64(9),  r.i64(10), {},        r.i64(11), r.i64(12)};
}

Status validate_name(std::string_view name) {
  if (name.empty() || text::utf8_length(name) > 80 || !text::is_valid_utf8(name)) {
    return invalid("community.invalid_name", "Names have 1 to 80 characters.", "name");
  }
  return {};
}

Status validate_description(std::string_view description) {
  if (!text::is_valid_utf8(description) || text::utf8_length(description) > 500) {
    return invalid("community.invalid_description", "Descriptions have at most 500 characters.", "description");
  }
  return {};
}

Status validate_rules(std::string_view rules) {
  if (!text::is_valid_utf8(rules) || rules.size() > 50000) {
    return invalid("community.invalid_rules", "Rules have at most 50,000 bytes of UTF-8.", "rules_md");
  }
  return {};
}

std::optional<Member> find_member(db::Tx& tx, CommunityId community, std::string_view username) {
  auto row = tx.one(
      "SELECT u.id, u.username, u.display_name, m.role, m.joined_at FROM members m JOIN users u ON u.id = m.user_id "
      "WHERE m.community_id = $1 AND u.username_lower = $2",
      {community.value, text::to_lower_ascii(username)});
  if (!row) {
    return std::nullopt;
  }
  const auto r = row->row();
  return Member{UserId(r.i64(0)), r.text(1), r.text(2), access::parse_role(r.text(3)).value_or(access::Role::Member),
                r.i64(4)};
}

}  // namespace

std::optional<DirectorySort> parse_directory_sort(std::string_view text) {
  if (text.empty() || text == "members") {
    return DirectorySort::Members;
  }
  if (text == "newest" || text == "new") {
    return DirectorySort::Newest;
  }
  if (text == "income") {
    return DirectorySort::Income;
  }
  return std::nullopt;
}

Communities::Communities(db::Database& db, const Clock& clock, Options options)
    : db_(db), clock_(clock), options_(std::move(options)) {}

Status Communities::validate_slug(std::string_view slug) {
  if (slug.size() < 3 || slug.size() > 40) {
    return invalid("community.invalid_slug", "Slugs have 3 to 40 characters.", "slug");
  }
  for (char c : slug) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return invalid("community.invalid_slug", "Slugs use lowercase letters, digits and '-'.", "slug");
    }
  }
  if (slug.front() == '-' || slug.back() == '-') {
    return invalid("community.invalid_slug", "Slugs do not start or end with '-'.", "slug");
  }
  for (const auto* reserved : kReservedSlugs) {
    if (slug == reserved) {
      return invalid("community.invalid_slug", "This slug is reserved.", "slug");
    }
  }
  return {};
}

Result<Community> Communities::create(UserId creator, const CommunityInput& input) {
  if (auto ok = validate_slug(input.slug); !ok) {
    return ok.error();
  }
  const auto name = text::trim(input.name);
  if (auto ok = validate_name(name); !ok) {
    return ok.error();
  }
  const auto description = text::trim(input.description);
  if (auto ok = validate_description(description); !ok) {
    return ok.error();
  }
  if (auto ok = validate_rules(input.rules_md); !ok) {
    return ok.error();
  }
  const std::string currency = input.currency.empty() ? options_.default_currency : input.currency;
  if (!Money::is_known_currency(currency)) {
    return invalid("money.unknown_currency", "Unknown currency.", "currency");
  }
  const auto rules_html = render::markdown_to_html(input.rules_md);
  const Millis now = clock_.now_ms();
  return db_.write([&](db::Tx& tx) -> Result<Community> {
    if (tx.one("SELECT 1 FROM communities WHERE slug = $1", {input.slug})) {
      return conflict("community.slug_taken", "This slug is taken.", "slug");
    }
    auto id = tx.scalar_i64(
        "INSERT INTO communities (slug, name, description, rules_md, rules_html, currency, is_public, owner_id, "
        "member_count, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9) RETURNING id",
        {input.slug, name, description, input.rules_md, rules_html, currency, input.is_public, creator.value, now});
    tx.exec("INSERT INTO members (community_id, user_id, role, joined_at) VALUES ($1, $2, 'owner', $3)",
            {*id, creator.value, now});
    return *find_by_id(tx, CommunityId(*id));
  });
}

Result<Community> Communities::update(UserId actor, std::string_view slug, const CommunityPatch& patch) {
  if (patch.name) {
    if (auto ok = validate_name(text::trim(*patch.name)); !ok) {
      return ok.error();
    }
  }
  if (patch.description) {
    if (auto ok = validate_description(text::trim(*patch.description)); !ok) {
      return ok.error();
    }
  }
  if (patch.rules_md) {
    if (auto ok = validate_rules(*patch.rules_md); !ok) {
      return ok.error();
    }
  }
  std::optional<std::string> rules_html;
  if (patch.rules_md) {
    rules_html = render::markdown_to_html(*patch.rules_md);
  }
  return db_.write([&](db::Tx& tx) -> Result<Community> {
    auto community = find(tx, slug);
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    if (!access::allows(access::role_in(tx, actor, community->id), access::Action::EditCommunity)) {
      return forbidden("community.not_allowed", "Only owners and admins edit a community.");
    }
    tx.exec(
        "UPDATE communities SET name = COALESCE($1, name), description = COALESCE($2, description), "
        "rules_md = COALESCE($3, rules_md), rules_html = COALESCE($4, rules_html), "
        "is_public = COALESCE($5, is_public), updated_at = $6 WHERE id = $7",
        {patch.name ? std::optional(text::trim(*patch.name)) : std::nullopt,
         patch.description ? std::optional(text::trim(*patch.description)) : std::nullopt, patch.rules_md, rules_html,
         patch.is_public ? std::optional<int>(*patch.is_public ? 1 : 0) : std::nullopt, clock_.now_ms(),
         community->id.value});
    return *find_by_id(tx, community->id);
  });
}

std::optional<Community> Communities::find(std::string_view slug) {
  return db_.read([&](db::Tx& tx) { return find(tx, slug); });
}

std::optional<Community> Communities::find(db::Tx& tx, std::string_view slug) {
  if (slug.size() > 40) {
    return std::nullopt;
  }
  auto row = tx.one(std::string("SELECT ") + std::string(kColumns) + " FROM communities c WHERE c.slug = $1",
                    {std::string(slug)});
  if (!row) {
    return std::nullopt;
  }
  return from_row(row->row());
}

std::optional<Community> Communities::find_by_id(db::Tx& tx, CommunityId id) {
  auto row = tx.one(std::string("SELECT ") + std::string(kColumns) + " FROM communities c WHERE c.id = $1", {id.value});
  if (!row) {
    return std::nullopt;
  }
  return from_row(row->row());
}

void Communities::load_incomes(Community& community) {
  std::vector<Community> one{community};
  db_.read([&](db::Tx& tx) {
    fill_incomes(tx, one);
    return true;
  });
  community.incomes = std::move(one[0].incomes);
}

Result<DirectoryPage> Communities::directory(DirectorySort sort, std::optional<std::string> cursor, int limit) {
  limit = std::clamp(limit, 1, 100);
  std::string key;
  switch (sort) {
    case DirectorySort::Members: key = "c.member_count"; break;
    case DirectorySort::Newest: key = "c.created_at"; break;
    case DirectorySort::Income: key = "c.income_minor"; break;
  }
  std::string sql = std::string("SELECT ") + std::string(kColumns) + " FROM communities c WHERE c.is_public = 1";
  std::vector<db::Param> params;
  if (cursor) {
    auto keys = cursor::decode(*cursor, 2);
    if (!keys) {
      return invalid("pagination.invalid_cursor", "This cursor is not valid.", "cursor");
    }
    sql += " AND (" + key + " < $1 OR (" + key + " = $1 AND c.id < $2))";
    params.emplace_back((*keys)[0]);
    params.emplace_back((*keys)[1]);
  }
  sql += " ORDER BY " + key + " DESC, c.id DESC LIMIT " + std::to_string(limit + 1);
  return db_.read([&](db::Tx& tx) -> Result<DirectoryPage> {
    DirectoryPage page;
    for (auto row : tx.exec(sql, params)) {
      page.communities.push_back(from_row(row));
    }
    if (static_cast<int>(page.communities.size()) > limit) {
      page.communities.pop_back();
      fill_incomes(tx, page.communities);
      const auto& last = page.communities.back();
      const int64_t k = sort == DirectorySort::Members  ? last.member_count
                        : sort == DirectorySort::Newest ? last.created_at
                                                        : last.income_minor;
      page.next_cursor = cursor::encode({k, last.id.value});
    } else {
      fill_incomes(tx, page.communities);
    }
    return page;
  });
}

Result<Member> Communities::join(UserId user, std::string_view slug) {
  return db_.write([&](db::Tx& tx) -> Result<Member> {
    auto community = find(tx, slug);
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    const auto role = access::role_in(tx, user, community->id);
    if (role == access::Role::None) {
      // A banned member keeps their row but no role: joining again must not get it back.
      if (access::is_banned(tx, user, community->id)) {
        return forbidden("moderation.banned", "You are banned from this community.");
      }
      if (!community->is_public) {
        return forbidden("community.invite_only", "This community is invite-only.");
      }
      const Millis now = clock_.now_ms();
      tx.exec("INSERT INTO members (community_id, user_id, role, joined_at) VALUES ($1, $2, 'member', $3)",
              {community->id.value, user.value, now});
      tx.exec("UPDATE communities SET member_count = member_count + 1 WHERE id = $1", {community->id.value});
    }
    auto row = tx.one("SELECT u.username FROM users u WHERE u.id = $1", {user.value});
    return *find_member(tx, community->id, row->row().text(0));
  });
}

void Communities::ensure_member(db::Tx& tx, UserId user, CommunityId community) {
  auto inserted = tx.exec(
      "INSERT INTO members (community_id, user_id, role, joined_at) VALUES ($1, $2, 'member', $3) "
      "ON CONFLICT DO NOTHING",
      {community.value, user.value, clock_.now_ms()});
  if (inserted.affected == 1) {
    tx.exec("UPDATE communities SET member_count = member_count + 1 WHERE id = $1", {community.value});
  }
}

Status Communities::leave(UserId user, std::string_view slug) {
  return db_.write([&](db::Tx& tx) -> Status {
    auto community = find(tx, slug);
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    const auto role = access::role_in(tx, user, community->id);
    if (role == access::Role::Owner) {
      return conflict("community.owner_cannot_leave", "The owner cannot leave their community.");
    }
    if (role == access::Role::None) {
      return {};
    }
    tx.exec("DELETE FROM members WHERE community_id = $1 AND user_id = $2", {community->id.value, user.value});
    tx.exec("UPDATE communities SET member_count = member_count - 1 WHERE id = $1", {community->id.value});
    return {};
  });
}

Result<MemberPage> Communities::members(std::optional<UserId> viewer, std::string_view slug,
                                        std::optional<std::string> cursor, int limit) {
  limit = std::clamp(limit, 1, 200);
  return db_.read([&](db::Tx& tx) -> Result<MemberPage> {
    auto community = find(tx, slug);
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    if (!community->is_public && access::role_in(tx, viewer, community->id) == access::Role::None) {
      return not_found("community.not_found", "No such community.");
    }
    // Staff first (by rank), then members by join date: the order a member list is read in.
    std::string sql =
        "SELECT u.id, u.username, u.display_name, m.role, m.joined_at, "
        "CASE m.role WHEN 'owner' THEN 5 WHEN 'admin' THEN 4 WHEN 'moderator' THEN 3 WHEN 'creator' THEN 2 ELSE 1 END "
        "AS rank FROM members m JOIN users u ON u.id = m.user_id WHERE m.community_id = $1";
    std::vector<db::Param> params{community->id.value};
    if (cursor) {
      auto keys = cursor::decode(*cursor, 3);
      if (!keys) {
        return invalid("pagination.invalid_cursor", "This cursor is not valid.", "cursor");
      }
      // Rows are ordered by (-rank, joined_at, id) ascending; row values work in both databases.
      sql +=
          " AND (-(CASE m.role WHEN 'owner' THEN 5 WHEN 'admin' THEN 4 WHEN 'moderator' THEN 3 WHEN 'creator' THEN 2 "
          "ELSE 1 END), m.joined_at, u.id) > ($2, $3, $4)";
      params.emplace_back((*keys)[0]);
      params.emplace_back((*keys)[1]);
      params.emplace_back((*keys)[2]);
    }
    sql += " ORDER BY rank DESC, m.joined_at ASC, u.id ASC LIMIT " + std::to_string(limit + 1);
    MemberPage page;
    for (auto r : tx.exec(sql, params)) {
      page.members.push_back(Member{UserId(r.i64(0)), r.text(1), r.text(2),
                                    access::parse_role(r.text(3)).value_or(access::Role::Member), r.i64(4)});
    }
    if (static_cast<int>(page.members.size()) > limit) {
      page.members.pop_back();
      const auto& last = page.members.back();
      page.next_cursor = cursor::encode({-static_cast<int64_t>(last.role), last.joined_at, last.user_id.value});
    }
    return page;
  });
}

Result<Member> Communities::set_role(UserId actor, std::string_view slug, std::string_view username,
                                     std::string_view role_text) {
  const auto new_role = access::parse_role(role_text);
  if (!new_role) {
    return invalid("community.invalid_role", "Roles are admin, moderator, creator or member.", "role");
  }
  return db_.write([&](db::Tx& tx) -> Result<Member> {
    auto community = find(tx, slug);
    if (!community) {
      return not_found("community.not_found", "No such community.");
    }
    const auto actor_role = access::role_in(tx, actor, community->id);
    if (!access::allows(actor_role, access::Action::ChangeRoles)) {
      return forbidden("community.not_allowed", "Only owners and admins change roles.");
    }
    auto target = find_member(tx, community->id, username);
    if (!target) {
      return not_found("community.member_not_found", "This user is not a member.");
    }
    if (*new_role == access::Role::Owner || target->role == access::Role::Owner) {
      return forbidden("community.owner_role_fixed", "The owner's role cannot be given or changed here.");
    }
    const bool touches_admin = *new_role == access::Role::Admin || target->role == access::Role::Admin;
    if (touches_admin && actor_role != access::Role::Owner) {
      return forbidden("community.owner_only", "Only the owner grants or takes the admin role.");
    }
    tx.exec("UPDATE members SET role = $1 WHERE community_id = $2 AND user_id = $3",
            {std::string(access::role_name(*new_role)), community->id.value, target->user_id.value});
    target->role = *new_role;
    return *target;
  });
}

access::Role Communities::role_of(std::optional<UserId> user, CommunityId community) {
  if (!user) {
    return access::Role::None;
  }
  return db_.read([&](db::Tx& tx) { return access::role_in(tx, user, community); });
}

std::vector<std::pair<Community, access::Role>> Communities::memberships_of(UserId user) {
  return db_.read([&](db::Tx& tx) {
    std::vector<std::pair<Community, access::Role>> out;
    for (auto r : tx.exec(std::string("SELECT ") + std::string(kColumns) +
                              ", m.role FROM members m JOIN communities c ON c.id = m.community_id "
                              "WHERE m.user_id = $1 ORDER BY m.joined_at DESC LIMIT 200",
                          {user.value})) {
      out.emplace_back(from_row(r), access::parse_role(r.text(13)).value_or(access::Role::Member));
    }
    return out;
  });
}

}  // namespace gh::community

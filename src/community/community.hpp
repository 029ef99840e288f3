// gh::community: communities, their members and roles, and the public directory.
//
// Who may do what is asked of access/ (roles); this folder keeps the rows consistent:
// the creator becomes owner, member_count follows joins and leaves in the same transaction,
// there is always exactly one owner. Thread-safe (state lives in the database).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "access/access.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "core/money.hpp"
#include "core/result.hpp"
#include "db/db.hpp"

namespace gh::community {

struct Community {
  CommunityId id;
  std::string slug;
  std::string name;
  std::string description;
  std::string rules_md;
  std::string rules_html;
  std::string currency;
  bool is_public = true;
  UserId owner_id;
  int64_t member_count = 0;
  int64_t income_minor = 0;  // Net booked revenue in `currency` (kept by the ledger).
  // Net booked revenue in every currency it has sold in, own currency first. Filled by
  // directory() and incomes(); empty elsewhere.
  std::vector<Money> incomes;
  Millis created_at = 0;
  Millis updated_at = 0;
};

struct CommunityInput {
  std::string slug;
  std::string name;
  std::string description;
  std::string rules_md;
  std::string currency;  // Empty: the instance default.
  bool is_public = true;
};

// A partial update: unset fields stay as they are.
struct CommunityPatch {
  std::optional<std::string> name;
  std::optional<std::string> description;
  std::optional<std::string> rules_md;
  std::optional<bool> is_public;
};

enum class DirectorySort { Members, Newest, Income };
std::optional<DirectorySort> parse_directory_sort(std::string_view text);

struct DirectoryPage {
  std::vector<Community> communities;
  std::optional<std::string> next_cursor;
};

struct Member {
  UserId user_id;
  std::string username;
  std::string display_name;
  access::Role role = access::Role::Member;
  Millis joined_at = 0;
};

struct MemberPage {
  std::vector<Member> members;
  std::optional<std::string> next_cursor;
};

struct Options {
  std::string default_currency = "CNY";
};

class Communities {
 public:
  Communities(db::Database& db, const Clock& clock, Options options);

  // The creator becomes the owner. Errors: community.invalid_slug, community.slug_taken,
  // community.invalid_name, community.invalid_description, money.unknown_currency.
  Result<Community> create(UserId creator, const CommunityInput& input);
  Result<Community> update(UserId actor, std::string_view slug, const CommunityPatch& patch);

  std::optional<Community> find(std::string_view slug);
  std::optional<Community> find_by_id(db::Tx& tx, CommunityId id);
  std::optional<Community> find(db::Tx& tx, std::string_view slug);

  // Public communities, keyset-paginated; `limit` is clamped to 1..100.
  Result<DirectoryPage> directory(DirectorySort sort, std::optional<std::string> cursor, int limit);
  // Fills `community.incomes` (net booked revenue per currency, own currency first).
  void load_incomes(Community& community);

  // Joining twice is not an error (the role is kept). Private communities cannot be joined.
  Result<Member> join(UserId user, std::string_view slug);
  // Makes `user` a member inside the caller's transaction (buying a tier joins); no-op for members.
  void ensure_member(db::Tx& tx, UserId user, CommunityId community);
  // The owner cannot leave (community.owner_cannot_leave).
  Status leave(UserId user, std::string_view slug);

  Result<MemberPage> members(std::optional<UserId> viewer, std::string_view slug, std::optional<std::string> cursor,
                             int limit);
  // Owners and admins change roles; only the owner grants or takes admin; nobody changes
  // the owner's role or makes a second owner.
  Result<Member> set_role(UserId actor, std::string_view slug, std::string_view username, std::string_view role);

  access::Role role_of(std::optional<UserId> user, CommunityId community);
  // Communities `user` belongs to, newest first.
  std::vector<std::pair<Community, access::Role>> memberships_of(UserId user);

  static Status validate_slug(std::string_view slug);

 private:
  db::Database& db_;
  const Clock& clock_;
  Options options_;
};

}  // namespace gh::community

// JSON at the API door: reading request bodies into typed fields, and writing domain values
// (web/views for JSON, as Gitea's services/convert). Times are RFC 3339 UTC; money is
// {"amount_minor", "currency"}.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "billing/checkout.hpp"
#include "billing/tiers.hpp"
#include "community/community.hpp"
#include "content/content.hpp"
#include "core/money.hpp"
#include "core/result.hpp"
#include "identity/identity.hpp"

namespace gh::web {

// Reads fields of a JSON object body; the first type error is kept and reported once.
class JsonInput {
 public:
  // Errors: request.invalid_json (not a JSON object, or not UTF-8).
  static Result<JsonInput> parse(std::string_view body);

  std::optional<std::string> str(std::string_view key);
  std::optional<bool> boolean(std::string_view key);
  std::optional<int64_t> integer(std::string_view key);
  std::optional<std::vector<std::string>> str_list(std::string_view key);
  std::optional<std::vector<int64_t>> int_list(std::string_view key);
  // {"amount_minor": int, "currency": "CNY"}; a wrong shape or unknown currency is an error.
  std::optional<Money> money(std::string_view key);
  // True when the key is present with the JSON value null.
  bool is_null(std::string_view key) const {
    auto it = object_.find(key);
    return it != object_.end() && it->value().is_null();
  }
  bool has(std::string_view key) const { return object_.contains(key); }
  // The first wrong-typed field, if any.
  const std::optional<Error>& error() const { return error_; }

 private:
  void wrong_type(std::string_view key, std::string_view expected);
  boost::json::object object_;
  std::optional<Error> error_;
};

boost::json::object user_json(const identity::User& user, bool include_private);
boost::json::object community_json(const community::Community& community);
boost::json::object member_json(const community::Member& member);
boost::json::object post_json(const content::Post& post, bool include_body);
boost::json::object comment_json(const content::Comment& comment);
boost::json::object money_json(const Money& money);
boost::json::object tier_json(const billing::Tier& tier);
// An optional time as RFC 3339, or null; an optional id, or null.
boost::json::value optional_time(const std::optional<Millis>& t);
boost::json::value optional_id(const std::optional<int64_t>& id);
boost::json::object checkout_json(const billing::Checkout& checkout);
boost::json::object payment_json(const billing::Payment& payment);
boost::json::object membership_json(const billing::Membership& membership);

std::string to_string(const boost::json::value& value);

}  // namespace gh::web

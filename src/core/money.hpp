// Money: an exact amount in the currency's minor unit (cents, fen) and an ISO 4217 code.
// Amounts never pass through floating point. Plain value type.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace gh {

class Money {
 public:
  // Rejects currencies Guildhall does not know (see kCurrencies in money.cpp).
  static Result<Money> create(int64_t amount_minor, std::string_view currency);
  static Money zero(std::string_view currency) { return Money(0, std::string(currency)); }
  // "9.90" in CNY -> 990 minor units, exactly (no floating point). At most the currency's
  // number of decimals; non-negative. Errors: money.invalid_amount, money.unknown_currency.
  static Result<Money> parse_decimal(std::string_view amount, std::string_view currency);

  int64_t amount_minor() const { return amount_minor_; }
  const std::string& currency() const { return currency_; }
  // "¥12.30", "$0.05": for display only.
  std::string format() const;

  static bool is_known_currency(std::string_view currency);
  // Digits after the decimal point (2 for CNY/USD/EUR, 0 for JPY).
  static int minor_digits(std::string_view currency);

  friend bool operator==(const Money&, const Money&) = default;

 private:
  Money(int64_t amount_minor, std::string currency) : amount_minor_(amount_minor), currency_(std::move(currency)) {}
  int64_t amount_minor_ = 0;
  std::string currency_;
};

}  // namespace gh

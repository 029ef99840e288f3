#include "core/money.hpp"

#include <array>
#include <cstdlib>

namespace gh {
namespace {

struct Currency {
  std::string_view code;
  std::string_view symbol;
  int digits;
};

constexpr std::array kCurrencies = {
    Currency{"CNY", "¥", 2},   Currency{"USD", "$", 2}, Currency{"EUR", "€", 2},  Currency{"GBP", "£", 2},
    Currency{"HKD", "HK$", 2}, Currency{"JPY", "¥", 0}, Currency{"SGD", "S$", 2}, Currency{"TWD", "NT$", 2},
};

const Currency* find_currency(std::string_view code) {
  for (const auto& c : kCurrencies) {
    if (c.code == code) {
      return &c;
    }
  }
  return nullptr;
}

}  // namespace

Result<Money> Money::create(int64_t amount_minor, std::string_view currency) {
  if (!find_currency(currency)) {
    return invalid("money.unknown_currency", "Unknown currency.", "currency");
  }
  return Money(amount_minor, std::string(currency));
}

Result<Money> Money::parse_decimal(std::string_view amount, std::string_view currency) {
  const auto* c = find_currency(currency);
  if (!c) {
    return invalid("money.unknown_currency", "Unknown currency.", "currency");
  }
  const auto bad = [] { return invalid("money.invalid_amount", "Amounts look like 9.90.", "amount"); };
  const size_t dot = amount.find('.');
  const std::string_view whole = amount.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? std::string_view() : amount.substr(dot + 1);
  if (whole.empty() || whole.size() > 15 || (dot != std::string_view::npos && frac.empty()) ||
      frac.size() > static_cast<size_t>(c->digits)) {
    return bad();
  }
  int64_t minor = 0;
  for (char ch : whole) {
    if (ch < '0' || ch > '9') {
      return bad();
    }
    minor = minor * 10 + (ch - '0');
  }
  for (int i = 0; i < c->digits; ++i) {
    const char ch = i < static_cast<int>(frac.size()) ? frac[static_cast<size_t>(i)] : '0';
    if (ch < '0' || ch > '9') {
      return bad();
    }
    minor = minor * 10 + (ch - '0');
  }
  return Money(minor, std::string(currency));
}

bool Money::is_known_currency(std::string_view currency) {
  return find_currency(currency) != nullptr;
}

int Money::minor_digits(std::string_view currency) {
  const auto* c = find_currency(currency);
  return c ? c->digits : 2;
}

std::string Money::format() const {
  const auto* c = find_currency(currency_);
  const int digits = c ? c->digits : 2;
  std::string out = amount_minor_ < 0 ? "-" : "";
  out += c ? std::string(c->symbol) : currency_ + " ";
  // Work on the unsigned magnitude so INT64_MIN does not overflow.
  uint64_t magnitude =
      amount_minor_ < 0 ? 0 - static_cast<uint64_t>(amount_minor_) : static_cast<uint64_t>(amount_minor_);
  uint64_t scale = 1;
  for (int i = 0; i < digits; ++i) {
    scale *= 10;
  }
  out += std::to_string(magnitude / scale);
  if (digits > 0) {
    std::string frac = std::to_string(magnitude % scale);
    out += '.' + std::string(static_cast<size_t>(digits) - frac.size(), '0') + frac;
  }
  return out;
}

}  // namespace gh

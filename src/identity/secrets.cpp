#include "identity/secrets.hpp"

#include <sodium.h>

#include <array>
#include <optional>

#include "core/clock.hpp"

namespace gh::identity {
namespace {

std::string to_hex(const unsigned char* bytes, size_t size) {
  std::string out(size * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, size);
  out.pop_back();
  return out;
}

std::optional<std::string> stored(db::Tx& tx, std::string_view name) {
  auto row = tx.one("SELECT secret FROM server_secrets WHERE name = $1", {name});
  return row ? std::optional<std::string>(row->row().text(0)) : std::nullopt;
}

}  // namespace

std::string server_secret(db::Tx& tx, std::string_view name) {
  if (auto secret = stored(tx, name)) {
    return *secret;
  }
  if (sodium_init() < 0) {
    throw std::runtime_error("libsodium failed to initialise");
  }
  std::array<unsigned char, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  tx.exec("INSERT INTO server_secrets (name, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
          {name, to_hex(bytes.data(), bytes.size()), SystemClock().now_ms()});
  return *stored(tx, name);
}

std::string server_secret(db::Database& db, std::string_view name) {
  if (auto secret = db.read([&](db::Tx& tx) { return stored(tx, name); })) {
    return *secret;
  }
  return db.write([&](db::Tx& tx) { return server_secret(tx, name); });
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac{};
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()), message.size());
  crypto_auth_hmacsha256_final(&state, mac.data());
  return to_hex(mac.data(), mac.size());
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace gh::identity

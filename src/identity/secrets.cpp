#include "identity/secrets.hpp"

#include <sodium.h>

#include <array>
#include <stdexcept>

#include "core/clock.hpp"

namespace gh::identity {

std::string server_secret(db::Tx& tx, std::string_view name) {
  std::array<unsigned char, 32> bytes{};
  randombytes_buf(bytes.data(), bytes.size());
  std::array<char, 65> hex{};
  sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
  tx.exec("INSERT INTO server_secrets (name, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
          {name, std::string_view(hex.data(), 64), SystemClock().now_ms()});
  const auto row = tx.one("SELECT secret FROM server_secrets WHERE name = $1", {name});
  const std::string stored = row ? row->row().text(0) : std::string();
  std::string secret(32, '\0');
  size_t length = 0;
  if (stored.size() != 64 ||
      sodium_hex2bin(reinterpret_cast<unsigned char*>(secret.data()), secret.size(), stored.data(), stored.size(),
                     nullptr, &length, nullptr) != 0 ||
      length != 32) {
    throw std::runtime_error("server_secrets: the value of '" + std::string(name) + "' is not 64 hex digits");
  }
  return secret;
}

std::string server_secret(db::Database& db, std::string_view name) {
  return db.write([&](db::Tx& tx) { return server_secret(tx, name); });
}

}  // namespace gh::identity

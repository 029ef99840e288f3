// Configuration: command-line flags win over GUILDHALL_* environment variables, which win over
// an optional config file (--config PATH or GUILDHALL_CONFIG; lines "key = value", '#' comments).
// Keys are the long flag names: listen, database, threads, public-url, trust-proxy,
// default-currency, access-log, data-dir, max-upload-mb.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace gh::app {

class Config {
 public:
  // `args` are the subcommand's arguments ("--listen", "127.0.0.1:8080", "--demo-if-empty"...).
  // Flags named in `switches` take no value ("true" when present).
  static Result<Config> load(const std::vector<std::string>& args, const std::vector<std::string>& switches);

  std::optional<std::string> get(const std::string& key) const;
  std::string get_or(const std::string& key, const std::string& fallback) const;
  bool flag(const std::string& key) const;
  // Integer values; Invalid error naming the key when malformed.
  Result<long long> integer(const std::string& key, long long fallback) const;

 private:
  std::map<std::string, std::string> values_;
};

// "HOST:PORT" -> (host, port).
Result<std::pair<std::string, unsigned short>> parse_listen(const std::string& listen);

}  // namespace gh::app

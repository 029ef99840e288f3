#include "app/config.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "core/text.hpp"

namespace gh::app {
namespace {

// "public-url" -> "GUILDHALL_PUBLIC_URL".
std::string env_name(const std::string& key) {
  std::string out = "GUILDHALL_";
  for (char c : key) {
    out += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

constexpr const char* kKnownKeys[] = {"listen",
                                      "database",
                                      "threads",
                                      "public-url",
                                      "trust-proxy",
                                      "default-currency",
                                      "access-log",
                                      "config",
                                      "platform-fee-bps",
                                      "stripe-api-base",
                                      "stripe-secret-key",
                                      "stripe-webhook-secret",
                                      "refund-window-hours",
                                      "smtp-url",
                                      "smtp-user",
                                      "smtp-password",
                                      "smtp-starttls",
                                      "mail-from",
                                      "mail-poll-ms",
                                      "mail-retry-base-ms",
                                      "mail-max-attempts",
                                      "new-account-hours",
                                      "new-account-posts-per-hour",
                                      "new-account-comments-per-hour",
                                      "new-account-max-links",
                                      "posts-per-hour",
                                      "comments-per-hour",
                                      "data-dir",
                                      "max-upload-mb"};

}  // namespace

Result<Config> Config::load(const std::vector<std::string>& args, const std::vector<std::string>& switches) {
  std::map<std::string, std::string> flags;
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& arg = args[i];
    if (arg.rfind("--", 0) != 0) {
      return invalid("config.unexpected_argument", "Unexpected argument: " + arg);
    }
    auto key = arg.substr(2);
    std::optional<std::string> value;
    if (auto eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
    }
    if (std::find(switches.begin(), switches.end(), key) != switches.end()) {
      flags[key] = value.value_or("true");
      continue;
    }
    if (!value) {
      if (i + 1 >= args.size()) {
        return invalid("config.missing_value", "--" + key + " needs a value.");
      }
      value = args[++i];
    }
    flags[key] = *value;
  }

  Config config;
  // Lowest precedence first: file, then environment, then flags.
  std::optional<std::string> file = flags.count("config") ? std::optional(flags["config"]) : std::nullopt;
  if (!file) {
    if (const char* env = std::getenv("GUILDHALL_CONFIG")) {
      file = env;
    }
  }
  if (file) {
    std::ifstream in(*file);
    if (!in) {
      return invalid("config.unreadable", "Cannot read config file " + *file);
    }
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      const auto trimmed = text::trim(line);
      if (trimmed.empty() || trimmed[0] == '#') {
        continue;
      }
      const auto eq = trimmed.find('=');
      if (eq == std::string::npos) {
        return invalid("config.bad_line", *file + ":" + std::to_string(number) + ": expected key = value");
      }
      config.values_[text::trim(trimmed.substr(0, eq))] = text::trim(trimmed.substr(eq + 1));
    }
  }
  for (const char* key : kKnownKeys) {
    if (const char* env = std::getenv(env_name(key).c_str())) {
      config.values_[key] = env;
    }
  }
  for (auto& [key, value] : flags) {
    config.values_[key] = value;
  }
  return config;
}

std::optional<std::string> Config::get(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::string Config::get_or(const std::string& key, const std::string& fallback) const {
  return get(key).value_or(fallback);
}

bool Config::flag(const std::string& key) const {
  const auto value = get(key);
  return value && (*value == "true" || *value == "1" || *value == "yes" || *value == "on");
}

Result<long long> Config::integer(const std::string& key, long long fallback) const {
  const auto value = get(key);
  if (!value) {
    return fallback;
  }
  try {
    size_t used = 0;
    const long long n = std::stoll(*value, &used);
    if (used == value->size()) {
      return n;
    }
  } catch (const std::exception&) {
  }
  return invalid("config.not_a_number", "--" + key + " must be an integer.");
}

Result<std::pair<std::string, unsigned short>> parse_listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return invalid("config.bad_listen", "--listen takes HOST:PORT, e.g. 127.0.0.1:8080");
  }
  auto host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  try {
    size_t used = 0;
    const int port = std::stoi(listen.substr(colon + 1), &used);
    if (used == listen.size() - colon - 1 && port >= 0 && port <= 65535) {
      return std::make_pair(host, static_cast<unsigned short>(port));
    }
  } catch (const std::exception&) {
  }
  return invalid("config.bad_listen", "--listen takes HOST:PORT, e.g. 127.0.0.1:8080");
}

}  // namespace gh::app

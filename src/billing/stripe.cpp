#include "billing/stripe.hpp"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <cctype>
#include <memory>
#include <mutex>

namespace gh::billing {
namespace {

Error provider_error(std::string message) {
  return Error{ErrorKind::BadGateway, "billing.provider_error", std::move(message), {}, 0};
}

size_t collect(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

std::string escape(CURL* curl, const std::string& text) {
  char* escaped = curl_easy_escape(curl, text.data(), static_cast<int>(text.size()));
  std::string out = escaped ? escaped : "";
  curl_free(escaped);
  return out;
}

std::string hex(const unsigned char* bytes, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xf];
  }
  return out;
}

std::string hmac_sha256_hex(std::string_view key, std::string_view message) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), digest, &length);
  return hex(digest, length);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

StripeClient::StripeClient(StripeConfig config) : config_(std::move(config)) {
  while (!config_.api_base.empty() && config_.api_base.back() == '/') {
    config_.api_base.pop_back();
  }
  // curl_global_init is not thread-safe: once, before any handle exists.
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

Result<boost::json::object> StripeClient::call(std::string_view method, std::string_view path, const FormFields& form,
                                               std::string_view idempotency_key) const {
  if (!configured()) {
    return Error{ErrorKind::Unavailable,
                 "billing.provider_unavailable",
                 "Card payments are not configured yet.",
                 {{"provider", "billing.provider_unavailable"}},
                 0};
  }
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) {
    return provider_error("Could not reach the payment provider.");
  }
  std::string body;
  for (const auto& [key, value] : form) {
    if (!body.empty()) {
      body += '&';
    }
    body += escape(curl.get(), key) + "=" + escape(curl.get(), value);
  }
  std::string url = config_.api_base + std::string(path);
  if (method == "GET" && !body.empty()) {
    url += "?" + body;
  }
  struct curl_slist* headers = nullptr;
  headers = curl_slist_append(headers, ("Authorization: Bearer " + config_.secret_key).c_str());
  headers = curl_slist_append(headers, "Content-Type: application/x-www-form-urlencoded");
  if (!idempotency_key.empty()) {
    headers = curl_slist_append(headers, ("Idempotency-Key: " + std::string(idempotency_key)).c_str());
  }
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_list(headers, curl_slist_free_all);
  std::string response;
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, header_list.get());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // Timeouts without SIGALRM: we run on server threads.
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, config_.connect_timeout_ms);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, config_.timeout_ms);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  if (method == "POST") {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  } else if (method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, std::string(method).c_str());
  }
  const CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    spdlog::warn("stripe {} {}: {}", method, path, curl_easy_strerror(rc));
    return provider_error("Could not reach the payment provider; nothing was changed. Try again.");
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  boost::system::error_code ec;
  auto parsed = boost::json::parse(response, ec);
  if (ec || !parsed.is_object()) {
    spdlog::warn("stripe {} {}: HTTP {} with a body that is not a JSON object", method, path, status);
    return provider_error("The payment provider gave an unreadable answer; nothing was changed.");
  }
  auto& object = parsed.as_object();
  if (status < 200 || status >= 300) {
    std::string detail;
    if (auto* error = object.if_contains("error"); error && error->is_object()) {
      if (auto* message = error->as_object().if_contains("message"); message && message->is_string()) {
        detail = std::string(message->as_string());
      }
    }
    spdlog::warn("stripe {} {}: HTTP {}: {}", method, path, status, detail);
    return provider_error("The payment provider refused the request; nothing was changed.");
  }
  return std::move(object);
}

Status verify_stripe_signature(std::string_view header, std::string_view payload, std::string_view secret, Millis now,
                               Millis tolerance_ms) {
  header = trim(header);
  if (header.empty() || secret.empty()) {
    return invalid("billing.webhook_signature_missing", "The Stripe-Signature header is missing.");
  }
  std::optional<int64_t> timestamp;
  std::vector<std::string_view> signatures;
  while (!header.empty()) {
    const auto comma = header.find(',');
    const auto item = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      continue;
    }
    const auto key = item.substr(0, eq);
    const auto value = item.substr(eq + 1);
    if (key == "t") {
      if (value.empty() || value.size() > 12) {
        return invalid("billing.webhook_signature_invalid", "The Stripe-Signature timestamp is malformed.");
      }
      int64_t t = 0;
      for (char c : value) {
        if (c < '0' || c > '9') {
          return invalid("billing.webhook_signature_invalid", "The Stripe-Signature timestamp is malformed.");
        }
        t = t * 10 + (c - '0');
      }
      timestamp = t;
    } else if (key == "v1") {
      signatures.push_back(value);
    }
  }
  if (!timestamp || signatures.empty()) {
    return invalid("billing.webhook_signature_invalid", "The Stripe-Signature header has no timestamp or v1 entry.");
  }
  const std::string expected = hmac_sha256_hex(secret, std::to_string(*timestamp) + "." + std::string(payload));
  bool match = false;
  for (auto candidate : signatures) {
    // Compare every candidate fully (no early exit) in constant time per candidate.
    if (candidate.size() == expected.size() && CRYPTO_memcmp(candidate.data(), expected.data(), expected.size()) == 0) {
      match = true;
    }
  }
  if (!match) {
    return invalid("billing.webhook_signature_invalid", "The Stripe-Signature does not match the body.");
  }
  const Millis sent = *timestamp * 1000;
  if (sent < now - tolerance_ms || sent > now + tolerance_ms) {
    return invalid("billing.webhook_timestamp_out_of_range", "The Stripe-Signature timestamp is too old or too new.");
  }
  return {};
}

std::string stripe_signature_header(std::string_view payload, std::string_view secret, int64_t t) {
  return "t=" + std::to_string(t) + ",v1=" + hmac_sha256_hex(secret, std::to_string(t) + "." + std::string(payload));
}

std::string stripe_currency(std::string_view ours) {
  std::string out(ours);
  for (auto& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace gh::billing

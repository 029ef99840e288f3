#include "files/files.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

#include "access/access.hpp"
#include "core/text.hpp"
#include "identity/identity.hpp"
#include "identity/secrets.hpp"

namespace gh::files {
namespace {

constexpr std::string_view kSecretName = "media";
constexpr size_t kHashChunk = 64 * 1024;

constexpr std::string_view kColumns = "id, community_id, name, content_type, size, sha256, uploaded_by, created_at";

StoredFile file_from(const db::Row& row) {
  StoredFile f;
  f.id = row.i64(0);
  f.community = CommunityId{row.i64(1)};
  f.name = row.text(2);
  f.content_type = row.text(3);
  f.size = row.i64(4);
  f.sha256 = row.text(5);
  f.uploaded_by = UserId{row.i64(6)};
  f.created_at = row.i64(7);
  return f;
}

std::string to_hex(const unsigned char* bytes, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xF];
  }
  return out;
}

// SHA-256 of a file read in fixed chunks, then fsync: the bytes are on disk before the row
// that names them commits. nullopt when the file cannot be read.
std::optional<std::string> hash_and_sync(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return std::nullopt;
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  const auto buffer = std::make_unique<char[]>(kHashChunk);
  bool ok = true;
  for (;;) {
    const ssize_t got = ::read(fd, buffer.get(), kHashChunk);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      ok = false;
      break;
    }
    if (got == 0) {
      break;
    }
    EVP_DigestUpdate(ctx.get(), buffer.get(), static_cast<size_t>(got));
  }
  ok = ok && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    return std::nullopt;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_DigestFinal_ex(ctx.get(), digest.data(), &length);
  return to_hex(digest.data(), length);
}

std::string hmac_hex(std::string_view secret, std::string_view message) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac.data(), &length);
  return to_hex(mac.data(), length);
}

std::optional<int64_t> parse_millis(std::string_view text) {
  if (text.empty() || text.size() > 18) {
    return std::nullopt;
  }
  int64_t value = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size() || value < 0) {
    return std::nullopt;
  }
  return value;
}

Error forbidden_files() {
  return forbidden("files.forbidden", "Only creators and up manage the files of this community.");
}

}  // namespace

std::optional<std::string> content_type_for(std::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || dot + 1 == name.size()) {
    return std::nullopt;
  }
  const std::string ext = text::to_lower_ascii(name.substr(dot + 1));
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 20> kTypes{{
      {"mp4", "video/mp4"},
      {"m4v", "video/mp4"},
      {"webm", "video/webm"},
      {"mov", "video/quicktime"},
      {"mp3", "audio/mpeg"},
      {"m4a", "audio/mp4"},
      {"ogg", "audio/ogg"},
      {"wav", "audio/wav"},
      {"pdf", "application/pdf"},
      {"zip", "application/zip"},
      {"epub", "application/epub+zip"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"txt", "text/plain; charset=utf-8"},
      {"md", "text/markdown; charset=utf-8"},
      {"csv", "text/csv; charset=utf-8"},
      {"json", "application/json"},
  }};
  for (const auto& [known, type] : kTypes) {
    if (ext == known) {
      return std::string(type);
    }
  }
  return std::nullopt;
}

bool is_inline(std::string_view content_type) {
  return content_type.rfind("video/", 0) == 0 || content_type.rfind("audio/", 0) == 0 ||
         content_type.rfind("image/", 0) == 0;
}

Result<std::string> clean_name(std::string_view name) {
  const size_t slash = name.find_last_of("/\\");
  if (slash != std::string_view::npos) {
    name.remove_prefix(slash + 1);
  }
  std::string cleaned = text::trim(name);
  auto bad = [] { return invalid("files.invalid_name", "Give the file a name of 1 to 200 characters.", "name"); };
  if (cleaned.empty() || cleaned == "." || cleaned == ".." || !text::is_valid_utf8(cleaned) ||
      text::utf8_length(cleaned) > kMaxNameChars) {
    return bad();
  }
  for (char c : cleaned) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      return bad();
    }
  }
  if (!content_type_for(cleaned)) {
    return invalid("files.type_not_allowed",
                   "This kind of file cannot be stored (allowed: mp4, webm, mov, mp3, m4a, ogg, wav, pdf, zip, epub, "
                   "png, jpg, gif, webp, txt, md, csv, json).",
                   "name");
  }
  return cleaned;
}

Files::Files(db::Database& db, const Clock& clock, Options options)
    : db_(db),
      clock_(clock),
      options_(std::move(options)),
      store_dir_(options_.data_dir + "/files"),
      upload_dir_(options_.data_dir + "/files/tmp") {}

void Files::prepare() {
  std::filesystem::create_directories(upload_dir_);
  // Uploads a crash interrupted: nobody will finish them. Only old ones, since another node
  // sharing this directory may be receiving one right now.
  std::error_code ec;
  const auto cutoff = std::filesystem::file_time_type::clock::now() - std::chrono::hours(24);
  for (const auto& entry : std::filesystem::directory_iterator(upload_dir_, ec)) {
    std::error_code entry_ec;
    if (entry.is_regular_file(entry_ec) && entry.last_write_time(entry_ec) < cutoff && !entry_ec) {
      std::filesystem::remove(entry.path(), entry_ec);
    }
  }
  (void)secret();
}

const std::string& Files::secret() const {
  std::call_once(secret_once_, [this] { secret_ = identity::server_secret(db_, kSecretName); });
  return secret_;
}

std::string Files::path_of(int64_t id) const {
  return store_dir_ + "/" + std::to_string(id);
}

bool Files::is_staff(db::Tx& tx, UserId actor, CommunityId community) {
  return access::role_in(tx, actor, community) >= access::Role::Creator;
}

Result<StoredFile> Files::store(UserId actor, CommunityId community, std::string_view name,
                                const std::string& temp_path) {
  auto cleaned = clean_name(name);
  if (!cleaned) {
    return cleaned.error();
  }
  std::error_code ec;
  const auto size = std::filesystem::file_size(temp_path, ec);
  if (ec || size == 0) {
    return invalid("files.empty", "The upload was empty.");
  }
  if (static_cast<int64_t>(size) > options_.max_upload_bytes) {
    return Error{ErrorKind::TooLarge, "files.too_large", "This file is larger than the upload limit.", {}, 0};
  }
  const bool allowed = db_.read([&](db::Tx& tx) { return is_staff(tx, actor, community); });
  if (!allowed) {
    return forbidden_files();
  }
  const auto sha256 = hash_and_sync(temp_path);
  if (!sha256) {
    throw std::runtime_error("files: cannot read the upload " + temp_path);
  }
  StoredFile file;
  file.community = community;
  file.name = std::move(*cleaned);
  file.content_type = *content_type_for(file.name);
  file.size = static_cast<int64_t>(size);
  file.sha256 = *sha256;
  file.uploaded_by = actor;
  file.created_at = clock_.now_ms();
  std::string final_path;
  try {
    return db_.write([&](db::Tx& tx) -> Result<StoredFile> {
      if (!is_staff(tx, actor, community)) {
        return forbidden_files();
      }
      file.id = *tx.scalar_i64(
          "INSERT INTO files (community_id, name, content_type, size, sha256, uploaded_by, created_at) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
          {community.value, file.name, file.content_type, file.size, file.sha256, actor.value, file.created_at});
      final_path = path_of(file.id);
      // Inside the transaction: a failed rename rolls the row back; a failed commit is cleaned
      // up below. Either way no row names missing bytes and no bytes lack a row for long.
      std::filesystem::rename(temp_path, final_path);
      return file;
    });
  } catch (...) {
    if (!final_path.empty() && std::filesystem::exists(final_path, ec)) {
      std::filesystem::rename(final_path, temp_path, ec);
    }
    throw;
  }
}

Result<StoredFile> Files::store_bytes(UserId actor, CommunityId community, std::string_view name,
                                      std::string_view bytes) {
  std::filesystem::create_directories(upload_dir_);
  const std::string temp = upload_dir_ + "/bytes-" + identity::random_token() + ".part";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      throw std::runtime_error("files: cannot write " + temp);
    }
  }
  auto stored = store(actor, community, name, temp);
  std::error_code ignored;
  std::filesystem::remove(temp, ignored);  // Still there when store() refused.
  return stored;
}

std::optional<StoredFile> Files::find(db::Tx& tx, int64_t id) {
  const auto row = tx.one("SELECT " + std::string(kColumns) + " FROM files WHERE id = $1 AND deleted_at IS NULL", {id});
  if (!row) {
    return std::nullopt;
  }
  return file_from(row->row());
}

std::optional<StoredFile> Files::find(int64_t id) {
  return db_.read([&](db::Tx& tx) { return find(tx, id); });
}

Result<StoredFile> Files::get(UserId actor, int64_t id) {
  return db_.read([&](db::Tx& tx) -> Result<StoredFile> {
    auto file = find(tx, id);
    if (!file) {
      return not_found("files.not_found", "No such file.");
    }
    if (!is_staff(tx, actor, file->community)) {
      return forbidden_files();
    }
    return *file;
  });
}

Result<std::vector<StoredFile>> Files::list(UserId actor, CommunityId community) {
  return db_.read([&](db::Tx& tx) -> Result<std::vector<StoredFile>> {
    if (!is_staff(tx, actor, community)) {
      return forbidden_files();
    }
    std::vector<StoredFile> out;
    const auto rows = tx.exec("SELECT " + std::string(kColumns) +
                                  " FROM files WHERE community_id = $1 AND deleted_at IS NULL "
                                  "ORDER BY created_at DESC, id DESC LIMIT 1000",
                              {community.value});
    for (const auto& row : rows) {
      out.push_back(file_from(row));
    }
    return out;
  });
}

Status Files::remove(UserId actor, int64_t id) {
  auto removed = db_.write([&](db::Tx& tx) -> Status {
    const auto file = find(tx, id);
    if (!file) {
      return not_found("files.not_found", "No such file.");
    }
    if (!is_staff(tx, actor, file->community)) {
      return forbidden_files();
    }
    tx.exec("UPDATE files SET deleted_at = $2 WHERE id = $1", {id, clock_.now_ms()});
    return {};
  });
  if (removed) {
    std::error_code ec;
    if (!std::filesystem::remove(path_of(id), ec) && ec) {
      spdlog::warn("files: removing the bytes of file {} failed: {}", id, ec.message());
    }
  }
  return removed;
}

std::string Files::sign_for_testing(std::string_view secret, int64_t id, Millis expiry) {
  // Bound: the purpose, the file and the expiry. The name in the path is decoration.
  return hmac_hex(secret, "media:v1:" + std::to_string(id) + ":" + std::to_string(expiry));
}

std::string Files::signed_path(const StoredFile& file, Millis ttl) const {
  const Millis expiry = clock_.now_ms() + std::clamp<Millis>(ttl, 0, kMaxLinkTtl);
  std::string path = "/media/" + std::to_string(file.id) + "/";
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : file.name) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      path += c;
    } else {
      path += '%';
      path += kHex[u >> 4];
      path += kHex[u & 0xF];
    }
  }
  path += "?e=" + std::to_string(expiry) + "&s=" + sign_for_testing(secret(), file.id, expiry);
  return path;
}

Result<StoredFile> Files::verify_link(int64_t id, std::string_view expiry_text, std::string_view signature) {
  const auto bad = [] { return forbidden("files.bad_signature", "This link is not valid."); };
  const auto expiry = parse_millis(expiry_text);
  if (!expiry || signature.size() != 64) {
    return bad();
  }
  const std::string expected = sign_for_testing(secret(), id, *expiry);
  if (CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) != 0) {
    return bad();
  }
  if (clock_.now_ms() >= *expiry) {
    return forbidden("files.link_expired", "This link has expired.");
  }
  auto file = find(id);
  if (!file) {
    return not_found("files.not_found", "No such file.");
  }
  return *file;
}

}  // namespace gh::files

#include "files/files.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "community/community.hpp"
#include "identity/identity.hpp"
#include "identity/secrets.hpp"
#include "testing/test_database.hpp"

namespace gh::files {
namespace {

class FilesTest : public ::testing::Test {
 protected:
  testing::TestDatabase database;
  ManualClock clock{1'800'000'000'000};
  identity::Identity identity{database.db(), clock, identity::Options{}};
  community::Communities communities{database.db(), clock, community::Options{"CNY"}};
  std::string dir;
  std::unique_ptr<Files> files;
  UserId owner, member, outsider;
  CommunityId cpp;

  void SetUp() override {
    char pattern[] = "/tmp/gh-files-test-XXXXXX";
    dir = ::mkdtemp(pattern);
    Options options;
    options.data_dir = dir;
    options.max_upload_bytes = 1000;
    files = std::make_unique<Files>(database.db(), clock, options);
    files->prepare();
    owner = user("owner");
    member = user("member");
    outsider = user("outsider");
    cpp = communities.create(owner, {"cpp", "C++", "", "", "", true})->id;
    ASSERT_TRUE(communities.join(member, "cpp"));
  }
  void TearDown() override { std::filesystem::remove_all(dir); }

  UserId user(const std::string& name) {
    return database.db().write([&](db::Tx& tx) {
      return identity.insert_user(tx, {name + "@example.com", name, "", ""}, "not-a-real-hash")->id;
    });
  }

  // The (e, s) query values of a signed path.
  static std::pair<std::string, std::string> link_parts(const std::string& path) {
    const size_t e = path.find("?e=");
    const size_t s = path.find("&s=");
    return {path.substr(e + 3, s - e - 3), path.substr(s + 3)};
  }

  size_t files_in_upload_dir() const {
    return static_cast<size_t>(
        std::distance(std::filesystem::directory_iterator(files->upload_dir()), std::filesystem::directory_iterator()));
  }
};

TEST_F(FilesTest, StoresBytesWithHashAndTypeAndFindsThem) {
  auto stored = files->store_bytes(owner, cpp, "lessons/intro.MP4", "abc");
  ASSERT_TRUE(stored) << stored.error().code;
  EXPECT_EQ(stored->name, "intro.MP4");
  EXPECT_EQ(stored->content_type, "video/mp4");
  EXPECT_EQ(stored->size, 3);
  EXPECT_EQ(stored->sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::ifstream in(files->path_of(stored->id), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(bytes, "abc");
  auto found = files->find(stored->id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->sha256, stored->sha256);
  EXPECT_EQ(found->uploaded_by, owner);
  EXPECT_EQ(files_in_upload_dir(), 0u);
}

TEST_F(FilesTest, OnlyCreatorsAndUpStoreListAndDelete) {
  EXPECT_EQ(files->store_bytes(member, cpp, "a.txt", "x").error().code, "files.forbidden");
  EXPECT_EQ(files->store_bytes(outsider, cpp, "a.txt", "x").error().code, "files.forbidden");
  EXPECT_EQ(files->list(member, cpp).error().code, "files.forbidden");
  auto stored = files->store_bytes(owner, cpp, "a.txt", "x");
  ASSERT_TRUE(stored);
  EXPECT_EQ(files->remove(member, stored->id).error().code, "files.forbidden");
  ASSERT_TRUE(communities.set_role(owner, "cpp", "member", "creator"));
  auto second = files->store_bytes(member, cpp, "b.pdf", "%PDF");
  ASSERT_TRUE(second) << second.error().code;
  auto listed = files->list(member, cpp);
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ(files_in_upload_dir(), 0u);
}

TEST_F(FilesTest, RefusesBadNamesTypesEmptyAndTooLargeLeavingNothing) {
  EXPECT_EQ(files->store_bytes(owner, cpp, "page.html", "<script>").error().code, "files.type_not_allowed");
  EXPECT_EQ(files->store_bytes(owner, cpp, "logo.svg", "<svg/>").error().code, "files.type_not_allowed");
  EXPECT_EQ(files->store_bytes(owner, cpp, "noext", "x").error().code, "files.type_not_allowed");
  EXPECT_EQ(files->store_bytes(owner, cpp, "dir/", "x").error().code, "files.invalid_name");
  EXPECT_EQ(files->store_bytes(owner, cpp, "a\nb.txt", "x").error().code, "files.invalid_name");
  EXPECT_EQ(files->store_bytes(owner, cpp, std::string(201, 'a') + ".txt", "x").error().code, "files.invalid_name");
  EXPECT_EQ(files->store_bytes(owner, cpp, "empty.txt", "").error().code, "files.empty");
  const auto too_large = files->store_bytes(owner, cpp, "big.zip", std::string(1001, 'z'));
  EXPECT_EQ(too_large.error().code, "files.too_large");
  EXPECT_EQ(too_large.error().kind, ErrorKind::TooLarge);
  EXPECT_EQ(files_in_upload_dir(), 0u);
  EXPECT_TRUE(files->list(owner, cpp)->empty());
}

TEST_F(FilesTest, DeleteHidesTheRowAndRemovesTheBytes) {
  auto stored = files->store_bytes(owner, cpp, "a.png", "png");
  ASSERT_TRUE(stored);
  ASSERT_TRUE(files->remove(owner, stored->id));
  EXPECT_FALSE(files->find(stored->id).has_value());
  EXPECT_FALSE(std::filesystem::exists(files->path_of(stored->id)));
  EXPECT_EQ(files->remove(owner, stored->id).error().code, "files.not_found");
}

TEST_F(FilesTest, SignedLinksVerifyUntilTheyExpire) {
  auto stored = files->store_bytes(owner, cpp, "clip one.webm", "webm");
  ASSERT_TRUE(stored);
  const std::string path = files->signed_path(*stored, 60'000);
  EXPECT_EQ(path.rfind("/media/" + std::to_string(stored->id) + "/clip%20one.webm?e=", 0), 0u) << path;
  const auto [e, s] = link_parts(path);
  EXPECT_EQ(e, std::to_string(clock.now_ms() + 60'000));
  auto ok = files->verify_link(stored->id, e, s);
  ASSERT_TRUE(ok) << ok.error().code;
  EXPECT_EQ(ok->id, stored->id);
  clock.advance_ms(59'999);
  EXPECT_TRUE(files->verify_link(stored->id, e, s));
  clock.advance_ms(1);  // A copied link stops working at its expiry.
  EXPECT_EQ(files->verify_link(stored->id, e, s).error().code, "files.link_expired");
}

TEST_F(FilesTest, TamperedLinksAreRefused) {
  auto first = files->store_bytes(owner, cpp, "a.mp4", "one");
  auto second = files->store_bytes(owner, cpp, "b.mp4", "two");
  ASSERT_TRUE(first && second);
  const auto [e, s] = link_parts(files->signed_path(*first, 60'000));
  // Another file's id with this signature.
  EXPECT_EQ(files->verify_link(second->id, e, s).error().code, "files.bad_signature");
  // A later expiry.
  EXPECT_EQ(files->verify_link(first->id, std::to_string(std::stoll(e) + 1000), s).error().code, "files.bad_signature");
  // A changed signature, a short one, garbage expiry.
  std::string flipped = s;
  flipped[10] = flipped[10] == 'a' ? 'b' : 'a';
  EXPECT_EQ(files->verify_link(first->id, e, flipped).error().code, "files.bad_signature");
  EXPECT_EQ(files->verify_link(first->id, e, s.substr(0, 63)).error().code, "files.bad_signature");
  EXPECT_EQ(files->verify_link(first->id, "12x", s).error().code, "files.bad_signature");
  EXPECT_EQ(files->verify_link(first->id, "", s).error().code, "files.bad_signature");
  // Signed with another secret.
  const std::string forged = Files::sign_for_testing(std::string(32, 'k'), first->id, std::stoll(e));
  EXPECT_EQ(files->verify_link(first->id, e, forged).error().code, "files.bad_signature");
  // And the genuine one still works; a deleted file is gone even with a good link.
  EXPECT_TRUE(files->verify_link(first->id, e, s));
  ASSERT_TRUE(files->remove(owner, first->id));
  EXPECT_EQ(files->verify_link(first->id, e, s).error().code, "files.not_found");
}

TEST_F(FilesTest, TheSecretIsSharedThroughTheDatabase) {
  auto stored = files->store_bytes(owner, cpp, "a.mp3", "mp3");
  ASSERT_TRUE(stored);
  const auto [e, s] = link_parts(files->signed_path(*stored, 60'000));
  // A second node on the same database verifies the first one's links.
  Options options;
  options.data_dir = dir;
  Files other(database.db(), clock, options);
  EXPECT_TRUE(other.verify_link(stored->id, e, s));
  const std::string secret = identity::server_secret(database.db(), "media");
  EXPECT_EQ(secret.size(), 64u);  // 32 random bytes, in hex.
  EXPECT_EQ(Files::sign_for_testing(secret, stored->id, std::stoll(e)), s);
  EXPECT_NE(identity::server_secret(database.db(), "other"), secret);
  EXPECT_EQ(identity::server_secret(database.db(), "other"), identity::server_secret(database.db(), "other"));
}

TEST(ContentTypeTest, AllowListByExtension) {
  EXPECT_EQ(content_type_for("a.webm"), "video/webm");
  EXPECT_EQ(content_type_for("a.JPG"), "image/jpeg");
  EXPECT_EQ(content_type_for("a.txt"), "text/plain; charset=utf-8");
  EXPECT_FALSE(content_type_for("a.exe").has_value());
  EXPECT_FALSE(content_type_for("a.").has_value());
  EXPECT_TRUE(is_inline("video/mp4"));
  EXPECT_TRUE(is_inline("image/png"));
  EXPECT_FALSE(is_inline("application/pdf"));
  EXPECT_FALSE(is_inline("text/plain; charset=utf-8"));
}

}  // namespace
}  // namespace gh::files

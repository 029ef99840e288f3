#include <gtest/gtest.h>

#include "http/http.hpp"

namespace gh::http {
namespace {

using Kind = RangeRequest::Kind;

void expect_single(std::string_view header, uint64_t size, uint64_t first, uint64_t last) {
  const auto range = parse_range(header, size);
  ASSERT_EQ(range.kind, Kind::Single) << header;
  EXPECT_EQ(range.range.first, first) << header;
  EXPECT_EQ(range.range.last, last) << header;
}

TEST(RangeTest, ClosedOpenAndSuffixRanges) {
  expect_single("bytes=0-99", 1000, 0, 99);
  expect_single("bytes=500-", 1000, 500, 999);
  expect_single("bytes=-100", 1000, 900, 999);
  expect_single("bytes=999-999", 1000, 999, 999);
  expect_single("Bytes = 10-20 ", 1000, 10, 20);
}

TEST(RangeTest, ClipsToTheSize) {
  expect_single("bytes=900-5000", 1000, 900, 999);
  expect_single("bytes=-5000", 1000, 0, 999);
  expect_single("bytes=0-99999999999999999999999", 1000, 0, 999);  // Saturates, then clipped.
}

TEST(RangeTest, StartBeyondTheEndIsUnsatisfiable) {
  EXPECT_EQ(parse_range("bytes=1000-", 1000).kind, Kind::Unsatisfiable);
  EXPECT_EQ(parse_range("bytes=1000-2000", 1000).kind, Kind::Unsatisfiable);
  EXPECT_EQ(parse_range("bytes=99999999999999999999999-", 1000).kind, Kind::Unsatisfiable);
  EXPECT_EQ(parse_range("bytes=-0", 1000).kind, Kind::Unsatisfiable);
  EXPECT_EQ(parse_range("bytes=0-", 0).kind, Kind::Unsatisfiable);
  EXPECT_EQ(parse_range("bytes=-5", 0).kind, Kind::Unsatisfiable);
}

TEST(RangeTest, MalformedOtherUnitsAndSeveralRangesAreIgnored) {
  for (const char* header : {"", "bytes", "bytes=", "bytes=-", "bytes=a-b", "bytes=5-1", "bytes=1-2-3", "bytes=+1-2",
                             "items=0-1", "bytes=0-1,5-6", "bytes=0x1-2", "bytes= -"}) {
    EXPECT_EQ(parse_range(header, 1000).kind, Kind::Whole) << header;
  }
}

Request request_with(std::initializer_list<std::pair<std::string, std::string>> headers) {
  Request request;
  request.method = "GET";
  for (const auto& [name, value] : headers) {
    request.headers.add(name, value);
  }
  return request;
}

const FileAnswer kFile{"/data/7", 1000, "video/webm", "\"abc\""};

TEST(FileResponseTest, WholeFileWithoutRange) {
  const auto response = file_response(request_with({}), kFile);
  EXPECT_EQ(response.status, 200);
  ASSERT_TRUE(response.file.has_value());
  EXPECT_EQ(response.file->path, "/data/7");
  EXPECT_EQ(response.file->offset, 0u);
  EXPECT_EQ(response.file->length, 1000u);
  EXPECT_EQ(response.headers.get("Accept-Ranges"), "bytes");
  EXPECT_EQ(response.headers.get("Content-Type"), "video/webm");
  EXPECT_EQ(response.headers.get("ETag"), "\"abc\"");
  EXPECT_FALSE(response.headers.get("Content-Range").has_value());
}

TEST(FileResponseTest, OneRangeIs206) {
  const auto response = file_response(request_with({{"Range", "bytes=100-199"}}), kFile);
  EXPECT_EQ(response.status, 206);
  EXPECT_EQ(response.headers.get("Content-Range"), "bytes 100-199/1000");
  ASSERT_TRUE(response.file.has_value());
  EXPECT_EQ(response.file->offset, 100u);
  EXPECT_EQ(response.file->length, 100u);
}

TEST(FileResponseTest, UnsatisfiableIs416WithTheSize) {
  const auto response = file_response(request_with({{"Range", "bytes=5000-"}}), kFile);
  EXPECT_EQ(response.status, 416);
  EXPECT_EQ(response.headers.get("Content-Range"), "bytes */1000");
  EXPECT_FALSE(response.file.has_value());
  EXPECT_TRUE(response.body.empty());
}

TEST(FileResponseTest, IfRangeMustNameThisVersion) {
  EXPECT_EQ(file_response(request_with({{"Range", "bytes=0-9"}, {"If-Range", "\"abc\""}}), kFile).status, 206);
  EXPECT_EQ(file_response(request_with({{"Range", "bytes=0-9"}, {"If-Range", "\"old\""}}), kFile).status, 200);
  EXPECT_EQ(file_response(request_with({{"Range", "bytes=0-9"}, {"If-Range", "Wed, 21 Oct 2015 07:28:00 GMT"}}), kFile)
                .status,
            200);
}

TEST(FileResponseTest, SeveralRangesGetTheWholeFile) {
  const auto response = file_response(request_with({{"Range", "bytes=0-1,10-11"}}), kFile);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.file->length, 1000u);
}

}  // namespace
}  // namespace gh::http

#include "manychip/store/state_url.h"

#include <string>

#include "gtest/gtest.h"

namespace manychip {
namespace {

TEST(StateUrlTest, PlainPathIsSqliteAndMemoryIsMemory) {
  auto f = ParseStateUrl("/var/lib/manychip/state.db");
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(f->kind, StateLocation::Kind::kSqlite);
  EXPECT_EQ(f->path, "/var/lib/manychip/state.db");
  auto rel = ParseStateUrl("manychip.db");
  ASSERT_TRUE(rel.ok());
  EXPECT_EQ(rel->kind, StateLocation::Kind::kSqlite);
  auto m = ParseStateUrl(":memory:");
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->kind, StateLocation::Kind::kMemory);
}

TEST(StateUrlTest, EtcdWithEndpointsPrefixAndLimits) {
  auto u = ParseStateUrl(
      "etcd://10.0.0.1:2379,etcd-b.local:2380,[::1]:2381/prod/ha?max_txn_ops=64&max_request_bytes="
      "1048576");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->kind, StateLocation::Kind::kEtcd);
  ASSERT_EQ(u->etcd.endpoints.size(), 3u);
  EXPECT_EQ(u->etcd.endpoints[0], "10.0.0.1:2379");
  EXPECT_EQ(u->etcd.endpoints[1], "etcd-b.local:2380");
  EXPECT_EQ(u->etcd.endpoints[2], "[::1]:2381");
  EXPECT_EQ(u->etcd.prefix, "/prod/ha");
  EXPECT_EQ(u->etcd.max_txn_ops, 64);
  EXPECT_EQ(u->etcd.max_request_bytes, 1048576);
}

TEST(StateUrlTest, EtcdDefaults) {
  auto u = ParseStateUrl("etcd://127.0.0.1:2379");
  ASSERT_TRUE(u.ok()) << u.status();
  EXPECT_EQ(u->etcd.prefix, "/manychip");
  EXPECT_EQ(u->etcd.max_txn_ops, 128);
  EXPECT_EQ(u->etcd.max_request_bytes, 1536 * 1024);
}

// Each malformed URL is InvalidArgument whose message names the problem.
TEST(StateUrlTest, MalformedUrlsNameWhatIsWrong) {
  const struct {
    const char* url;
    const char* says;
  } cases[] = {
      {"", "must not be empty"},
      {"http://127.0.0.1:2379", "unknown scheme \"http\""},
      {"etcd://", "no HOST:PORT"},
      {"etcd:///prefix", "no HOST:PORT"},
      {"etcd://127.0.0.1", "missing :PORT"},
      {"etcd://127.0.0.1:", "port must be 1..65535"},
      {"etcd://127.0.0.1:abc", "port must be 1..65535, got \"abc\""},
      {"etcd://127.0.0.1:0", "port must be 1..65535"},
      {"etcd://127.0.0.1:70000", "port must be 1..65535"},
      {"etcd://127.0.0.1:+5", "port must be 1..65535"},
      {"etcd://:2379", "empty host"},
      {"etcd://a:1,,b:2", "empty endpoint"},
      {"etcd://a:1,", "empty endpoint"},
      {"etcd://::1:2379", "IPv6 host goes in brackets"},
      {"etcd://[::1:2379", "'[' without ']'"},
      {"etcd://[::1]", "missing :PORT"},
      {"etcd://a b:1", "bad character ' '"},
      {"etcd://a:1/", "empty PREFIX"},
      {"etcd://a:1/x/", "must not end with '/'"},
      {"etcd://a:1/x//y", "empty path segment"},
      {"etcd://a:1/x y", "space or control character"},
      {"etcd://a:1/x?", "empty option list"},
      {"etcd://a:1/x?max_txn_ops", "expected NAME=VALUE"},
      {"etcd://a:1/x?max_txn_ops=1", "max_txn_ops: must be 2..1000000"},
      {"etcd://a:1/x?max_txn_ops=lots", "max_txn_ops: must be 2..1000000"},
      {"etcd://a:1/x?max_request_bytes=100", "max_request_bytes: must be 4096..2^31"},
      {"etcd://a:1/x?ttl=5", "unknown option \"ttl\""},
  };
  for (const auto& c : cases) {
    auto u = ParseStateUrl(c.url);
    ASSERT_FALSE(u.ok()) << c.url << " parsed";
    EXPECT_EQ(u.status().code(), absl::StatusCode::kInvalidArgument) << c.url;
    EXPECT_NE(u.status().message().find(c.says), std::string::npos)
        << c.url << ": " << u.status().message();
    EXPECT_NE(u.status().message().find("--state"), std::string::npos) << u.status();
  }
}

TEST(StateUrlTest, OpenStateStoreRefusesMalformedUrlBeforeConnecting) {
  auto s = OpenStateStore("etcd://127.0.0.1:notaport");
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << s.status();
}

}  // namespace
}  // namespace manychip

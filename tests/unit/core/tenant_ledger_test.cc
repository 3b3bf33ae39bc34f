#include "src/core/tenant_ledger.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/testing/cluster_builder.h"

namespace manychip::internal {
namespace {

TEST(TenantLedgerTest, SetQuotaValidatesAndCanonicalizes) {
  auto catalog = testing::CoreCatalog();
  TenantLedger ledger;
  EXPECT_EQ(ledger.SetQuota(TenantQuotaSpec{"", {}, {}, 1}, *catalog).code(),
            absl::StatusCode::kInvalidArgument);
  absl::Status bad = ledger.SetQuota(TenantQuotaSpec{"a", {}, {{"gpus", 1}}, 1}, *catalog);
  EXPECT_NE(bad.message().find("quota.max.gpus: unknown resource key"), std::string::npos) << bad;
  ASSERT_TRUE(
      ledger.SetQuota(TenantQuotaSpec{"a", {}, {{"device:nvidia-h20", 8000}}, 0}, *catalog).ok());
  const TenantQuotaSpec* q = ledger.Quota("a");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->weight, 1);
  EXPECT_EQ(q->max.count(absl::StrCat("device:", catalog->Find("nvidia-h20")->id)), 1u);
  EXPECT_EQ(ledger.Quota("b"), nullptr);
}

TEST(TenantLedgerTest, DominantShareIsTheLargestShareOverTheWeight) {
  auto catalog = testing::CoreCatalog();
  TenantLedger ledger;
  ledger.AddCapacity(/*cpu=*/10000, /*memory=*/1000, /*device_milli=*/8000, +1);
  ledger.MutableUsage("a")["cpu"] = 1000;      // 10%
  ledger.MutableUsage("a")["devices"] = 4000;  // 50%
  EXPECT_EQ(ledger.DominantSharePpm("a"), 500000);
  ASSERT_TRUE(ledger.SetQuota(TenantQuotaSpec{"a", {}, {}, 2}, *catalog).ok());
  EXPECT_EQ(ledger.DominantSharePpm("a"), 250000);
  EXPECT_EQ(ledger.DominantSharePpm("nobody"), 0);
  ledger.AddCapacity(0, 0, 8000, -1);
  ledger.AddCapacity(0, 0, 4000, +1);  // half the cards left
  EXPECT_EQ(ledger.DominantSharePpm("a"), 500000);
}

TEST(TenantLedgerTest, GuaranteeAndQuotaBaseCountOtherHoldsOnly) {
  auto catalog = testing::CoreCatalog();
  TenantLedger ledger;
  ASSERT_TRUE(ledger.SetQuota(TenantQuotaSpec{"a", {{"devices", 2000}}, {}, 1}, *catalog).ok());
  EXPECT_TRUE(ledger.BelowGuarantee("a"));
  ledger.MutableUsage("a")["devices"] = 2000;
  EXPECT_FALSE(ledger.BelowGuarantee("a"));
  EXPECT_FALSE(ledger.BelowGuarantee("b"));   // no quota, no guarantee
  ledger.MutableHeld("a")["devices"] = 3000;  // two holds: 1000 (own) + 2000
  Usage own{{"devices", 1000}};
  EXPECT_EQ(ledger.QuotaBase("a", own).at("devices"), 2000 + 2000);
}

}  // namespace
}  // namespace manychip::internal

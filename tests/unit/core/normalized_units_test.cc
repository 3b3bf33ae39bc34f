// Tests for the one definition of normalized units, including the CPU-only
// rule every caller (quota, flavor choice, simulator, generator) relies on.

#include "manychip/core/normalized_units.h"

#include "gtest/gtest.h"
#include "src/core/quota.h"
#include "tests/testing/cluster_builder.h"
#include "tests/testing/job_builder.h"

namespace manychip {
namespace {

class NormalizedUnitsTest : public ::testing::Test {
 protected:
  int32_t Model(const char* id) const { return catalog_->Find(id)->index; }
  FlavorSpec Flavor(const testing::JobBuilder& b) const {
    return b.Build().task_groups[0].flavors[0];
  }

  std::shared_ptr<const Catalog> catalog_ = testing::CoreCatalog();
};

TEST_F(NormalizedUnitsTest, CardUnitsAreTheCatalogFactorForTheJobKind) {
  EXPECT_EQ(CardUnits(*catalog_, Model("nvidia-h20"), JobKind::kTraining), 1000);  // reference
  EXPECT_EQ(CardUnits(*catalog_, Model("nvidia-h100"), JobKind::kTraining), 6682);
  EXPECT_EQ(CardUnits(*catalog_, Model("nvidia-h100"), JobKind::kBatch), 6682);
  EXPECT_EQ(CardUnits(*catalog_, Model("ppu-zw810e"), JobKind::kInference), 675);
  EXPECT_EQ(CardUnits(*catalog_, catalog_->size(), JobKind::kTraining), 0);
}

TEST_F(NormalizedUnitsTest, DeviceUnitsScaleWithTheMilliHeld) {
  EXPECT_EQ(DeviceUnits(*catalog_, Model("nvidia-h100"), JobKind::kTraining, 2000), 13364);
  EXPECT_EQ(DeviceUnits(*catalog_, Model("nvidia-h100"), JobKind::kTraining, 500), 3341);
}

TEST_F(NormalizedUnitsTest, FlavorUnitsCountTheBestModelForEveryReplica) {
  testing::JobBuilder b(*catalog_, "j");
  b.Flavor("f", {"nvidia-h20", "nvidia-h100"}).Cards(4).Replicas(2);
  EXPECT_EQ(FlavorUnits(*catalog_, Flavor(b), JobKind::kTraining), 6682 * 4 * 2);
  testing::JobBuilder share(*catalog_, "j");
  share.Flavor("f", {"nvidia-h20"}).Share(500);
  EXPECT_EQ(FlavorUnits(*catalog_, Flavor(share), JobKind::kTraining), 500);
  testing::JobBuilder measured(*catalog_, "j");
  measured.Flavor("f", {"nvidia-h20"}).Cards(1).Throughput(4321);
  EXPECT_EQ(FlavorUnits(*catalog_, Flavor(measured), JobKind::kTraining), 4321);
}

// The rule the four old copies disagreed on (0, 0.01 and 0.1 card): a
// CPU-only task counts 0 everywhere.
TEST_F(NormalizedUnitsTest, CpuOnlyCountsZero) {
  EXPECT_EQ(CardUnits(*catalog_, kCpuOnlyModel, JobKind::kTraining), 0);
  EXPECT_EQ(CardUnits(*catalog_, kCpuOnlyModel, JobKind::kInference), 0);
  EXPECT_EQ(DeviceUnits(*catalog_, kCpuOnlyModel, JobKind::kTraining, 1000), 0);
  testing::JobBuilder cpu(*catalog_, "j");
  cpu.Flavor("f", {}).Replicas(8);
  EXPECT_EQ(FlavorUnits(*catalog_, Flavor(cpu), JobKind::kBatch), 0);
  // The caller's own measured figure still counts.
  testing::JobBuilder measured(*catalog_, "j");
  measured.Flavor("f", {}).Throughput(100);
  EXPECT_EQ(FlavorUnits(*catalog_, Flavor(measured), JobKind::kBatch), 100);
}

// Quota charges through the same definition: "h20e" of an allocation is its
// DeviceUnits, and a CPU-only one charges none (but still charges "cpu").
TEST_F(NormalizedUnitsTest, QuotaChargesDeviceUnits) {
  AllocationRequest r;
  r.devices = {0, 1};
  r.share = MilliDevices::FromRaw(500);
  r.cpu = MilliCpu::FromRaw(2000);
  internal::Usage u;
  internal::ChargeAllocation(*catalog_, Model("nvidia-h100"), JobKind::kTraining, r, +1, u);
  EXPECT_EQ(u.at("h20e"), DeviceUnits(*catalog_, Model("nvidia-h100"), JobKind::kTraining, 1000));
  AllocationRequest c;
  c.cpu = MilliCpu::FromRaw(2000);
  internal::Usage cu;
  internal::ChargeAllocation(*catalog_, kCpuOnlyModel, JobKind::kBatch, c, +1, cu);
  EXPECT_EQ(cu.count("h20e"), 0u);
  EXPECT_EQ(cu.at("cpu"), 2000);
}

}  // namespace
}  // namespace manychip

// examples/clusters/seed-unicom.json: the China Unicom heterogeneous
// deployment as publicly described (1,024 x 16 T-Head PPU, 512 x 8 MetaX,
// 83 x 16 Biren, 128 x 8 Zhonghao Xinying TPU), loaded through the codec
// against the shipped device catalog.

#include <map>
#include <string>

#include "gtest/gtest.h"
#include "manychip/codec/model.h"

namespace manychip {
namespace {

TEST(SeedUnicomTest, LoadsWithPublishedCounts) {
  const std::string dir = std::string(MANYCHIP_SOURCE_DIR) + "/examples/";
  auto catalog = codec::LoadCatalogFile(dir + "catalog/devices.json");
  ASSERT_TRUE(catalog.ok()) << catalog.status();
  auto cluster = codec::LoadClusterFile(dir + "clusters/seed-unicom.json", *catalog);
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  EXPECT_EQ(cluster->nodes.size(), 1747u);
  std::map<std::string, int64_t> cards;
  int64_t total = 0;
  for (const NodeSpec& n : cluster->nodes) {
    for (const DeviceSpec& d : n.devices) {
      ++cards[catalog->model(d.model).vendor];
      ++total;
    }
  }
  EXPECT_EQ(total, 22832);
  EXPECT_EQ(cards["ppu"], 16384);
  EXPECT_EQ(cards["metax"], 4096);
  EXPECT_EQ(cards["biren"], 1328);
  EXPECT_EQ(cards["zhonghao"], 1024);
}

}  // namespace
}  // namespace manychip

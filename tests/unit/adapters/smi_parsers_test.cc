// Vendor tool output parsers on recorded samples, including truncated,
// garbled and empty output: a clear error, never a crash or a wrong inventory.

#include <random>

#include "adapters/common/smi_output.h"
#include "adapters/device/ascend/ascend_adapter.h"
#include "adapters/device/ascend/npu_smi.h"
#include "gtest/gtest.h"
#include "manychip/codec/json.h"
#include "tests/testing/test_catalog.h"
#include "tests/unit/adapters/adapter_test_util.h"

namespace manychip {
namespace {

std::string Read(const std::string& rel) {
  auto text = codec::ReadFile(adapters_test::Testdata(rel));
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

TEST(NpuSmiTest, Parses910B3Node) {
  auto info = ascend::ParseNpuSmiInfo(Read("npu-smi/info_910b3_x8.txt"));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->version, "23.0.6");
  ASSERT_EQ(info->chips.size(), 8u);
  EXPECT_EQ(info->chips[1].npu_id, 1);
  EXPECT_EQ(info->chips[1].name, "910B3");
  EXPECT_EQ(info->chips[1].health, "OK");
  EXPECT_EQ(info->chips[1].bus_id, "0000:c2:00.0");
  EXPECT_EQ(info->chips[1].memory_total_mib, 65536);
  EXPECT_EQ(info->chips[1].device_id, -1);
}

TEST(NpuSmiTest, Parses310PDuoCardsWithChipDeviceIds) {
  auto info = ascend::ParseNpuSmiInfo(Read("npu-smi/info_310p3_duo_x2.txt"));
  ASSERT_TRUE(info.ok()) << info.status();
  ASSERT_EQ(info->chips.size(), 4u);
  EXPECT_EQ(info->chips[3].npu_id, 9);
  EXPECT_EQ(info->chips[3].chip_id, 1);
  EXPECT_EQ(info->chips[3].device_id, 3);
  EXPECT_EQ(info->chips[3].memory_total_mib, 21527);
}

TEST(NpuSmiTest, BrokenOutputIsAClearError) {
  struct {
    const char* file;
    const char* want;
  } cases[] = {
      {"npu-smi/info_empty.txt", "empty output"},
      {"npu-smi/info_truncated.txt", "without a chip row"},
      {"npu-smi/info_garbled_bus.txt", "line"},
      {"npu-smi/info_garbled_memory.txt", "memory"},
  };
  for (const auto& c : cases) {
    auto info = ascend::ParseNpuSmiInfo(Read(c.file));
    ASSERT_FALSE(info.ok()) << c.file;
    EXPECT_EQ(info.status().code(), absl::StatusCode::kInvalidArgument) << c.file;
    EXPECT_NE(info.status().message().find(c.want), std::string::npos) << info.status();
  }
  // Every prefix of a good output either parses to fewer chips or fails:
  // a cut never invents or corrupts a chip.
  const std::string full = Read("npu-smi/info_910b3_x8.txt");
  for (size_t cut = 0; cut < full.size(); cut += 7) {
    auto info = ascend::ParseNpuSmiInfo(full.substr(0, cut));
    if (!info.ok()) continue;
    for (const auto& chip : info->chips) {
      EXPECT_EQ(chip.name, "910B3");
      EXPECT_EQ(chip.memory_total_mib, 65536) << "cut at " << cut;
    }
  }
}

TEST(SmiCsvTest, ParsesPpuQuery) {
  auto gpus = ParseQueryGpuCsv(Read("ppu-smi/query_x16.csv"), "ppu-smi");
  ASSERT_TRUE(gpus.ok()) << gpus.status();
  ASSERT_EQ(gpus->size(), 16u);
  EXPECT_EQ((*gpus)[2].index, 2);
  EXPECT_EQ((*gpus)[2].name, "PPU-ZW810E");
  EXPECT_EQ((*gpus)[2].memory_mib, 98304);
  EXPECT_EQ((*gpus)[2].pci_bus_id, "0000:20:00.0");
  auto plain = ParseQueryGpuCsv(Read("ppu-smi/query_noheader_units.csv"), "ppu-smi");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_EQ((*plain)[1].memory_mib, 98304);
  auto mt = ParseQueryGpuCsv(Read("mthreads-gmi/query_x2.csv"), "mthreads-gmi");
  ASSERT_TRUE(mt.ok()) << mt.status();
  EXPECT_EQ((*mt)[1].name, "MTT S4000");
}

TEST(SmiCsvTest, BrokenOutputIsAClearError) {
  for (const char* f : {"ppu-smi/query_truncated.csv", "ppu-smi/query_garbled.csv",
                        "ppu-smi/query_empty.csv", "ppu-smi/query_header_only.csv"}) {
    auto gpus = ParseQueryGpuCsv(Read(f), "ppu-smi");
    ASSERT_FALSE(gpus.ok()) << f;
    EXPECT_EQ(gpus.status().code(), absl::StatusCode::kInvalidArgument) << f;
    EXPECT_NE(gpus.status().message().find("ppu-smi"), std::string::npos) << gpus.status();
  }
  EXPECT_FALSE(ParseQueryGpuCsv("index, uuid, name, memory.total\n0, u, n, 1 MiB\n0, v, n, 1 MiB\n",
                                "x")
                   .ok());  // duplicate index
  EXPECT_FALSE(ParseQueryGpuCsv("index, uuid, name, memory.total\n1, u, n, 1 MiB\n", "x").ok());
  EXPECT_FALSE(ParseQueryGpuCsv("index, uuid, name\n0, u, n\n", "x").ok());  // no memory column
}

TEST(TopoMatrixTest, ParsesKunlunMatrix) {
  auto m = ParseTopoMatrix(Read("xpu-smi/topo_p800_x8.txt"), "XPU", "xpu-smi topo -m");
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->size, 8);
  EXPECT_EQ(m->links[0][1].link_class, LinkClass::kHighSpeed);
  EXPECT_EQ(m->links[0][1].lanes, 4);
  EXPECT_EQ(m->links[0][4].lanes, 1);
  EXPECT_EQ(m->links[0][5].link_class, LinkClass::kCrossCpu);
  EXPECT_EQ(m->numa[3], 0);
  EXPECT_EQ(m->numa[4], 1);
}

TEST(TopoMatrixTest, BrokenOutputIsAClearError) {
  struct {
    const char* file;
    const char* want;
  } cases[] = {
      {"xpu-smi/topo_truncated.txt", "no row for XPU4"},
      {"xpu-smi/topo_asymmetric.txt", "disagree"},
      {"xpu-smi/topo_garbled.txt", "unknown link code"},
  };
  for (const auto& c : cases) {
    auto m = ParseTopoMatrix(Read(c.file), "XPU", "xpu-smi topo -m");
    ASSERT_FALSE(m.ok()) << c.file;
    EXPECT_NE(m.status().message().find(c.want), std::string::npos) << c.file << ": " << m.status();
  }
  EXPECT_FALSE(ParseTopoMatrix("", "XPU", "x").ok());
  EXPECT_FALSE(ParseTopoMatrix("\x01\x02garbage\n\n", "XPU", "x").ok());
}

}  // namespace
}  // namespace manychip

namespace manychip {
namespace {

absl::StatusOr<DiscoveredDevices> AscendFrom(const std::string& sample) {
  DiscoverOptions d;
  d.tool_output_dir = adapters_test::Testdata("fixture-npu-smi/" + sample);
  d.sysfs_root = adapters_test::Testdata("no-such-sysfs");
  return AscendDeviceAdapter().Discover(testing::TestCatalog(), d);
}

TEST(AscendDiscoverTest, BoardHealthAndIds) {
  auto a2 = AscendFrom("info_910b3_x8_faulty");
  ASSERT_TRUE(a2.ok()) << a2.status();
  EXPECT_EQ(a2->board, "atlas-800t-a2");
  ASSERT_EQ(a2->devices.size(), 8u);
  EXPECT_FALSE(a2->devices[3].healthy);
  EXPECT_EQ(a2->devices[3].health_reason, "npu-smi health Critical");
  EXPECT_TRUE(a2->devices[5].healthy);  // Warning keeps the NPU, with the reason
  EXPECT_EQ(a2->devices[5].health_reason, "npu-smi health Warning");
  EXPECT_EQ(a2->devices[7].physical_id, 7);
  EXPECT_EQ(a2->devices[7].link_group, "hccs-mesh");
  EXPECT_EQ(a2->software.at("ascend-driver"), "24.1.rc2");

  auto duo = AscendFrom("info_310p3_duo_x2");
  ASSERT_TRUE(duo.ok()) << duo.status();
  EXPECT_EQ(duo->board, "ascend-310p-card");
  ASSERT_EQ(duo->devices.size(), 4u);
  EXPECT_EQ(duo->devices[2].index, 2);        // logical id
  EXPECT_EQ(duo->devices[2].physical_id, 2);  // chip device id from npu-smi
  EXPECT_EQ(duo->devices[2].memory.raw(), 21527);
  EXPECT_EQ(duo->devices[2].link_group, "card-9");

  auto unknown = AscendFrom("info_unknown_model");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("920Z9"), std::string::npos) << unknown.status();
}

}  // namespace
}  // namespace manychip

namespace manychip {
namespace {

// Seeded random corruption of good outputs: every parser returns a value or
// an error, never crashes, and whatever it accepts stays self-consistent.
TEST(SmiFuzzTest, CorruptedOutputNeverCrashes) {
  std::mt19937_64 rng(7);
  const std::string npu = Read("npu-smi/info_910b3_x8.txt");
  const std::string csv = Read("ppu-smi/query_x16.csv");
  const std::string topo = Read("xpu-smi/topo_p800_x8.txt");
  const char junk[] = "|/:.0123456789 \n\tXLPIXSYS-abc";
  for (int round = 0; round < 400; ++round) {
    for (const std::string* good : {&npu, &csv, &topo}) {
      std::string bad = *good;
      const int edits = 1 + static_cast<int>(rng() % 6);
      for (int e = 0; e < edits && !bad.empty(); ++e) {
        const size_t at = rng() % bad.size();
        switch (rng() % 3) {
          case 0:
            bad[at] = junk[rng() % (sizeof(junk) - 1)];
            break;
          case 1:
            bad.erase(at, 1 + rng() % 8);
            break;
          default:
            bad.insert(at, 1, junk[rng() % (sizeof(junk) - 1)]);
        }
      }
      if (good == &npu) {
        auto r = ascend::ParseNpuSmiInfo(bad);
        if (r.ok()) {
          for (const auto& c : r->chips) EXPECT_GT(c.memory_total_mib, 0);
        }
      } else if (good == &csv) {
        auto r = ParseQueryGpuCsv(bad, "fuzz");
        if (r.ok()) {
          for (size_t i = 0; i < r->size(); ++i) EXPECT_EQ((*r)[i].index, static_cast<int>(i));
        }
      } else {
        auto r = ParseTopoMatrix(bad, "XPU", "fuzz");
        if (r.ok()) {
          EXPECT_EQ(r->links.size(), static_cast<size_t>(r->size));
        }
      }
    }
  }
}

}  // namespace
}  // namespace manychip

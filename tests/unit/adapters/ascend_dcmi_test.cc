// Ascend discovery through DCMI (a fake libdcmi.so built in the test tree,
// tests/unit/adapters/fakes/fake_dcmi.cc) and the installed-stack files
// (CANN toolkit and driver version).

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "adapters/device/ascend/ascend_adapter.h"
#include "adapters/device/ascend/cann_version.h"
#include "adapters/device/ascend/dcmi_library.h"
#include "gtest/gtest.h"
#include "tests/testing/test_catalog.h"
#include "tests/unit/adapters/adapter_test_util.h"

namespace manychip {
namespace {

using adapters_test::Testdata;

// Sets the fake's knobs for one test and clears them afterwards.
class DcmiTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* v :
         {"FAKE_DCMI_CARDS", "FAKE_DCMI_CHIPS", "FAKE_DCMI_NAME", "FAKE_DCMI_SICK_CARD",
          "FAKE_DCMI_INIT_RC", "FAKE_DCMI_DUP_LOGIC", "FAKE_DCMI_NO_HBM"}) {
      unsetenv(v);
    }
  }
  static DiscoverOptions Live(const char* library = MC_FAKE_DCMI_SO) {
    DiscoverOptions o;
    o.dcmi_library = library;
    o.sysfs_root = Testdata("no-such-sysfs");
    o.host_root = Testdata("hosts/ascend-910b8/tools/root");
    return o;
  }
};

TEST_F(DcmiTest, EightChipsWithIdsHealthMemoryAndStacks) {
  setenv("FAKE_DCMI_SICK_CARD", "5", 1);
  AscendDeviceAdapter ascend;
  auto found = ascend.Discover(testing::TestCatalog(), Live());
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->devices.size(), 8u);
  EXPECT_EQ(found->board, "atlas-800t-a2");
  for (const DeviceSpec& d : found->devices) {
    EXPECT_EQ(testing::TestCatalog().model(d.model).id, "ascend-910b3");
    EXPECT_EQ(d.memory.raw(), 65536);
    EXPECT_EQ(d.physical_id, 7 - d.index);  // the fake numbers physical ids backwards
    EXPECT_EQ(d.link_group, "hccs-mesh");
    EXPECT_EQ(d.healthy, d.index != 5) << d.index;
  }
  EXPECT_NE(found->devices[5].health_reason.find("Critical"), std::string::npos);
  // The driver version comes from DCMI; CANN from the toolkit's install info.
  EXPECT_EQ(found->software.at("ascend-driver"), "24.1.rc2");
  EXPECT_EQ(found->software.at("cann"), "8.0.RC2");
  // Visibility keeps logical and physical ids apart.
  NodeSpec node;
  node.board = found->board;
  node.devices = found->devices;
  Visibility v = ascend.VisibilityFor(node, std::vector<int32_t>{0, 1});
  EXPECT_EQ(v.env.at("ASCEND_RT_VISIBLE_DEVICES"), "0,1");
  EXPECT_EQ(v.env.at("ASCEND_VISIBLE_DEVICES"), "7,6");
}

TEST_F(DcmiTest, DuoCardsKeepChipIds) {
  setenv("FAKE_DCMI_CARDS", "2", 1);
  setenv("FAKE_DCMI_CHIPS", "2", 1);
  setenv("FAKE_DCMI_NAME", "310P3", 1);
  AscendDeviceAdapter ascend;
  auto found = ascend.Discover(testing::TestCatalog(), Live());
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->devices.size(), 4u);
  EXPECT_EQ(found->board, "ascend-310p-card");
  EXPECT_EQ(found->devices[3].link_group, "card-1");
  EXPECT_EQ(found->devices[3].physical_id, 0);
  EXPECT_EQ(found->devices[3].memory.raw(), 65536);
  // A 310P has no HBM: its DDR size comes from memory_info_v3.
  setenv("FAKE_DCMI_NO_HBM", "1", 1);
  found = ascend.Discover(testing::TestCatalog(), Live());
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->devices[3].memory.raw(), 24576);
  // More chips on a card than any Ascend board has is a broken library.
  setenv("FAKE_DCMI_CHIPS", "9", 1);
  found = ascend.Discover(testing::TestCatalog(), Live());
  ASSERT_FALSE(found.ok());
  EXPECT_NE(found.status().message().find("card 0 reports 9 chips"), std::string::npos)
      << found.status();
}

TEST_F(DcmiTest, FailuresNameTheCallOrTheSymbol) {
  AscendDeviceAdapter ascend;
  setenv("FAKE_DCMI_INIT_RC", "-8005", 1);
  auto found = ascend.Discover(testing::TestCatalog(), Live());
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(found.status().message().find("dcmi_init failed with code -8005"), std::string::npos)
      << found.status();
  unsetenv("FAKE_DCMI_INIT_RC");

  found = ascend.Discover(testing::TestCatalog(), Live(MC_FAKE_DCMI_NO_HEALTH_SO));
  ASSERT_FALSE(found.ok());
  EXPECT_NE(found.status().message().find("lacks dcmi_get_device_health"), std::string::npos)
      << found.status();

  setenv("FAKE_DCMI_DUP_LOGIC", "1", 1);
  found = ascend.Discover(testing::TestCatalog(), Live());
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(found.status().message().find("logical id"), std::string::npos) << found.status();
  unsetenv("FAKE_DCMI_DUP_LOGIC");

  setenv("FAKE_DCMI_NAME", "999Z", 1);
  found = ascend.Discover(testing::TestCatalog(), Live());
  ASSERT_FALSE(found.ok());
  EXPECT_NE(found.status().message().find("\"999Z\" is in no ascend catalog model"),
            std::string::npos)
      << found.status();
}

TEST_F(DcmiTest, NoLibraryFallsBackToNpuSmi) {
  AscendDeviceAdapter ascend;
  DiscoverOptions o = Live("libmanychip-no-such-dcmi.so");
  // No npu-smi on the build machine and no sysfs: nothing, and no error.
  auto found = ascend.Discover(testing::TestCatalog(), o);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_TRUE(found->devices.empty());
  EXPECT_FALSE(found->software.contains("cann"));  // no NPUs: no stack claimed
  // A recorded host never loads DCMI, even when the library is there.
  o = Live();
  o.tool_output_dir = Testdata("hosts/ascend-910b8/tools");
  o.sysfs_root = Testdata("hosts/ascend-910b8/sys");
  found = ascend.Discover(testing::TestCatalog(), o);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->devices.size(), 8u);
  EXPECT_EQ(found->software.at("ascend-driver"), "23.0.6");  // npu-smi's, not the fake's
  EXPECT_EQ(found->devices[0].physical_id, 0);
}

TEST(CannVersionTest, InstallInfoVersion) {
  auto v = ascend::InstallInfoVersion("package_name=Ascend-cann-toolkit\nversion=8.0.RC2\n", "f");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, "8.0.RC2");
  v = ascend::InstallInfoVersion("Version = 23.0.6\n", "f");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, "23.0.6");
  EXPECT_EQ(ascend::InstallInfoVersion("package_name=x\n", "f.info").status().message(),
            "f.info: no version= line");
  EXPECT_FALSE(ascend::InstallInfoVersion("version=\n", "f").ok());
  auto bad = ascend::InstallInfoVersion("version=eight\n", "f.info");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("f.info: "), std::string::npos) << bad.status();
}

TEST(CannVersionTest, NewLayoutDriverFileAndMalformedFiles) {
  namespace fs = std::filesystem;
  const fs::path root = fs::temp_directory_path() / ("manychip_cann_" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "usr/local/Ascend/cann/x86_64-linux");
  fs::create_directories(root / "usr/local/Ascend/driver");
  std::ofstream(root / "usr/local/Ascend/cann/x86_64-linux/ascend_toolkit_install.info")
      << "version=8.5.0\n";
  std::ofstream(root / "usr/local/Ascend/driver/version.info") << "Version=25.0.rc1.1\n";
  DiscoverOptions o;
  o.host_root = root.string();
  std::map<std::string, std::string> sw;
  ASSERT_TRUE(ascend::AddInstalledStacks(o, sw).ok());
  EXPECT_EQ(sw.at("cann"), "8.5.0");
  EXPECT_EQ(sw.at("ascend-driver"), "25.0.rc1.1");
  // A tool's driver version wins over the file.
  sw = {{"ascend-driver", "23.0.6"}};
  ASSERT_TRUE(ascend::AddInstalledStacks(o, sw).ok());
  EXPECT_EQ(sw.at("ascend-driver"), "23.0.6");
  // Garbage in the file is an error naming it, not a silently missing stack.
  std::ofstream(root / "usr/local/Ascend/cann/x86_64-linux/ascend_toolkit_install.info")
      << "version=not-a-version\n";
  absl::Status s = ascend::AddInstalledStacks(o, sw);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("x86_64-linux/ascend_toolkit_install.info"), std::string::npos) << s;
  fs::remove_all(root);
  // Nothing installed: nothing reported, no error.
  sw.clear();
  ASSERT_TRUE(ascend::AddInstalledStacks(o, sw).ok());
  EXPECT_TRUE(sw.empty());
}

}  // namespace
}  // namespace manychip

// The C-ABI loader against the real sample .so built from examples/adapter_so
// (good, wrong ABI major, no entry point).

#include <filesystem>
#include <fstream>

#include "adapters/c_abi/loader.h"
#include "gtest/gtest.h"
#include "tests/unit/adapters/adapter_test_util.h"

#if defined(MC_EXAMPLE_ADAPTER_SO)

namespace manychip {
namespace {

Catalog ExampleCatalog() {
  DeviceModelSpec npu;
  npu.id = "example-npu";
  npu.vendor = "example";
  npu.memory = MiB::FromRaw(32768);
  npu.bf16_tflops = 100;
  auto c = Catalog::Create({npu}, "example-npu");
  EXPECT_TRUE(c.ok()) << c.status();
  return *std::move(c);
}

std::string TempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("manychip_c_abi_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

TEST(CAbiLoaderTest, LoadsTheSampleAndRunsEveryCall) {
  auto adapter = LoadAdapterLibrary(MC_EXAMPLE_ADAPTER_SO);
  ASSERT_TRUE(adapter.ok()) << adapter.status();
  const DeviceAdapter& a = **adapter;
  EXPECT_EQ(a.vendor(), "example");

  const std::string tools = TempDir("tools");
  std::ofstream(tools + "/example-npu-count") << 8;
  const Catalog catalog = ExampleCatalog();
  DiscoverOptions opts;
  opts.tool_output_dir = tools;
  auto found = a.Discover(catalog, opts);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->devices.size(), 8u);
  EXPECT_EQ(found->board, "example-ring4");
  EXPECT_EQ(found->devices[5].uuid, "EX-5");
  EXPECT_EQ(found->devices[5].numa_node, 1);
  EXPECT_EQ(found->devices[5].memory.raw(), 32768);  // from the catalog
  EXPECT_EQ(found->software.at("example-runtime"), "1.2.0");

  NodeSpec node;
  node.name = "ex";
  node.board = found->board;
  node.devices = found->devices;
  node.software = found->software;
  std::vector<MilliDevices> free = adapters_test::FreeFromMask(0b1111'0011, 8);
  ChooseResult r = a.Choose(node, free, adapters_test::Cards(2));
  ASSERT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.devices, (std::vector<int32_t>{0, 1}));  // the fuller ring
  r = a.Choose(node, free, adapters_test::Cards(3));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.failure, ChooseFailure::kIllegalCount);
  r = a.Choose(node, free, adapters_test::Cards(4));
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.devices, (std::vector<int32_t>{4, 5, 6, 7}));

  Visibility v = a.VisibilityFor(node, std::vector<int32_t>{4, 5});
  EXPECT_EQ(v.env.at("EXAMPLE_VISIBLE_DEVICES"), "4,5");
  ASSERT_EQ(v.device_nodes.size(), 3u);
  EXPECT_EQ(v.device_nodes[0], "/dev/example4");

  auto c = a.CompareStackVersions("example-runtime", "1.10", "1.9");
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_GT(*c, 0);
  auto bad = a.CompareStackVersions("example-runtime", "one", "1.9");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find(MC_EXAMPLE_ADAPTER_SO), std::string::npos);
  EXPECT_TRUE(a.CheckStack(node, "example-runtime", "1.2").ok());
  EXPECT_EQ(a.CheckStack(node, "example-runtime", "2.0").code(),
            absl::StatusCode::kFailedPrecondition);

  // No count file: no devices, no error.
  auto none = a.Discover(catalog, DiscoverOptions{});
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->devices.empty());
  // A model the catalog lacks is refused by the codec's node rules.
  DeviceModelSpec other;
  other.id = "other";
  other.vendor = "x";
  other.bf16_tflops = 1;
  auto other_catalog = Catalog::Create({other}, "other");
  ASSERT_TRUE(other_catalog.ok());
  EXPECT_EQ(a.Discover(*other_catalog, opts).status().code(), absl::StatusCode::kInvalidArgument);
  std::filesystem::remove_all(tools);
}

TEST(CAbiLoaderTest, RefusesWrongMajorAndMissingSymbolNamingTheFile) {
  auto wrong = LoadAdapterLibrary(MC_EXAMPLE_ADAPTER_WRONG_ABI_SO);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(wrong.status().message().find(MC_EXAMPLE_ADAPTER_WRONG_ABI_SO), std::string::npos);
  EXPECT_NE(wrong.status().message().find("adapter ABI 99.0, host ABI 1.0"), std::string::npos)
      << wrong.status();

  auto no_entry = LoadAdapterLibrary(MC_EXAMPLE_ADAPTER_NO_ENTRY_SO);
  ASSERT_FALSE(no_entry.ok());
  EXPECT_EQ(no_entry.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(no_entry.status().message().find("manychip_device_adapter_get"), std::string::npos);
  EXPECT_NE(no_entry.status().message().find(MC_EXAMPLE_ADAPTER_NO_ENTRY_SO), std::string::npos);

  auto missing = LoadAdapterLibrary("/no/such/adapter.so");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(CAbiLoaderTest, AdapterDir) {
  const std::string dir = TempDir("dir");
  std::filesystem::copy_file(MC_EXAMPLE_ADAPTER_SO, dir + "/libexample.so");
  std::ofstream(dir + "/README.txt") << "not a library";
  AdapterRegistry registry;
  ASSERT_TRUE(LoadAdapterDir(dir, registry).ok());
  ASSERT_NE(registry.FindDevice("example"), nullptr);
  // The same vendor twice is AlreadyExists, naming the file.
  absl::Status again = LoadAdapterDir(dir, registry);
  EXPECT_EQ(again.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(again.message().find("libexample.so"), std::string::npos) << again;
  // A wrong-ABI library in the directory fails the load.
  std::filesystem::copy_file(MC_EXAMPLE_ADAPTER_WRONG_ABI_SO, dir + "/libwrong.so");
  AdapterRegistry fresh;
  EXPECT_EQ(LoadAdapterDir(dir, fresh).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(LoadAdapterDir("", fresh).ok());
  EXPECT_EQ(LoadAdapterDir(dir + "/nope", fresh).code(), absl::StatusCode::kNotFound);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace manychip

#endif  // MC_EXAMPLE_ADAPTER_SO

// BuildServerParts' checks of the event-log era options: --missing_adapter
// and --tenant_quotas, each refused with the flag named and the reason.

#include "src/service/server_setup.h"

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "src/service/controller.h"
#include "tests/testing/paths.h"

namespace manychip::internal {
namespace {

ServerOptions Options() {
  ServerOptions o;
  o.state_path = ":memory:";
  o.catalog_path = testing::SourcePath("examples/catalog/devices.json");
  return o;
}

std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = (std::filesystem::path(::testing::TempDir()) / name).string();
  std::ofstream(path) << text;
  return path;
}

TEST(ServerSetupTest, MissingAdapterMustBeWarnOrRefuse) {
  ServerOptions o = Options();
  o.missing_adapter = "ignore";
  auto parts = BuildServerParts(o);
  ASSERT_FALSE(parts.ok());
  EXPECT_EQ(parts.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(parts.status().message(), "--missing_adapter: must be warn or refuse, got \"ignore\"");
}

TEST(ServerSetupTest, TenantQuotasAreLoadedIntoTheController) {
  ServerOptions o = Options();
  o.tenant_quotas_path = WriteFile("quotas-ok.json", R"({"tenants": [
      {"tenant": "team-a", "guaranteed": {"devices": 8000}, "max": {"h20e": 32000}},
      {"tenant": "team-b", "max": {"device:nvidia-h20": 16000}}]})");
  auto parts = BuildServerParts(o);
  ASSERT_TRUE(parts.ok()) << parts.status();
  const auto& quotas = (*parts)->controller->tenant_quotas();
  ASSERT_EQ(quotas.size(), 2u);
  EXPECT_EQ(quotas[0].tenant, "team-a");
  EXPECT_EQ(quotas[0].max.at("h20e"), 32000);
  EXPECT_EQ(quotas[1].max.at("device:nvidia-h20"), 16000);
}

TEST(ServerSetupTest, BadTenantQuotaFilesNameTheEntryAndTheReason) {
  struct Case {
    const char* file;
    const char* json;
    const char* want;
  };
  for (const Case& c : {
           Case{"quotas-nodes.json", R"({"nodes": [{"name": "n1"}], "tenants": []})",
                "only \"tenants\" is read"},
           Case{"quotas-twice.json",
                R"({"tenants": [{"tenant": "a", "max": {"cpu": 1}}, {"tenant": "a"}]})",
                "tenants[1].tenant: \"a\" appears twice"},
           Case{"quotas-key.json", R"({"tenants": [{"tenant": "a", "max": {"gpus": 1}}]})",
                "tenants[0]: "},
       }) {
    ServerOptions o = Options();
    o.tenant_quotas_path = WriteFile(c.file, c.json);
    auto parts = BuildServerParts(o);
    ASSERT_FALSE(parts.ok()) << c.file;
    EXPECT_EQ(parts.status().code(), absl::StatusCode::kInvalidArgument) << parts.status();
    EXPECT_TRUE(absl::StrContains(parts.status().message(), "--tenant_quotas")) << parts.status();
    EXPECT_TRUE(absl::StrContains(parts.status().message(), c.want)) << parts.status();
  }
}

}  // namespace
}  // namespace manychip::internal

#include "adapters/host/aarch64/aarch64_host_adapter.h"
#include "adapters/host/riscv64/riscv64_host_adapter.h"
#include "adapters/host/x86_64/x86_64_host_adapter.h"
#include "gtest/gtest.h"
#include "manychip/adapters/builtin.h"
#include "tests/unit/adapters/adapter_test_util.h"

namespace manychip {
namespace {

using adapters_test::Testdata;

HostProbeOptions Proc(const std::string& dir) {
  HostProbeOptions o;
  o.proc_root = Testdata(dir);
  return o;
}

bool Has(const std::vector<std::string>& v, const std::string& f) {
  return std::find(v.begin(), v.end(), f) != v.end();
}

TEST(HostAdapterTest, X86ReadsAvx512AndAmx) {
  X86_64HostAdapter x86;
  auto info = x86.Probe(Proc("proc-x86-spr"));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->arch, Arch::kX86_64);
  EXPECT_EQ(info->cpu_milli, 4000);
  EXPECT_EQ(info->memory_mib, 263856636 / 1024);
  EXPECT_EQ(info->cpu_model, "Intel(R) Xeon(R) Platinum 8480+");
  for (const char* f : {"avx2", "avx512f", "avx512_bf16", "amx_tile", "amx_int8"}) {
    EXPECT_TRUE(Has(info->cpu_features, f)) << f;
  }
  EXPECT_FALSE(Has(info->cpu_features, "fpu"));  // only scheduling-relevant flags
  EXPECT_TRUE(std::is_sorted(info->cpu_features.begin(), info->cpu_features.end()));
  auto hygon = x86.Probe(Proc("proc-x86-hygon"));
  ASSERT_TRUE(hygon.ok());
  EXPECT_TRUE(Has(hygon->cpu_features, "avx2"));
  EXPECT_FALSE(Has(hygon->cpu_features, "avx512f"));
  // An arm cpuinfo is not an x86 one.
  EXPECT_EQ(x86.Probe(Proc("proc-kunpeng920")).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(HostAdapterTest, Aarch64NamesKunpengAndNeoverse) {
  Aarch64HostAdapter arm;
  auto k = arm.Probe(Proc("proc-kunpeng920"));
  ASSERT_TRUE(k.ok()) << k.status();
  EXPECT_EQ(k->cpu_model, "HiSilicon Kunpeng 920");
  EXPECT_EQ(k->cpu_milli, 8000);
  EXPECT_TRUE(Has(k->cpu_features, "asimd"));
  EXPECT_FALSE(Has(k->cpu_features, "sve"));
  auto y = arm.Probe(Proc("proc-yitian710"));
  ASSERT_TRUE(y.ok()) << y.status();
  EXPECT_EQ(y->cpu_model, "ARM Neoverse N2");
  EXPECT_TRUE(Has(y->cpu_features, "sve2"));
  EXPECT_TRUE(Has(y->cpu_features, "i8mm"));
  EXPECT_EQ(Aarch64CpuName("0x99", "0x1"), "");
  EXPECT_FALSE(arm.Probe(Proc("proc-x86-spr")).ok());
}

TEST(HostAdapterTest, Riscv64ReadsIsaAndServesCpuOnly) {
  Riscv64HostAdapter rv;
  auto info = rv.Probe(Proc("proc-riscv64"));
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->cpu_model, "thead,c920");
  EXPECT_TRUE(Has(info->cpu_features, "v"));
  EXPECT_TRUE(Has(info->cpu_features, "zba"));
  EXPECT_EQ(info->memory_mib, 16000);
  for (const char* v : {"nvidia", "ascend", "kunlun", "ppu", "cambricon", "unknown"}) {
    EXPECT_FALSE(rv.SupportsVendorStack(v)) << v;
  }
  EXPECT_TRUE(rv.SupportsVendorStack("fake"));
  auto g = RiscvIsaFeatures("rv64gc");
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(*g, (std::vector<std::string>{"a", "c", "d", "f", "i", "m"}));
  EXPECT_FALSE(RiscvIsaFeatures("rv32imac").ok());
}

TEST(HostAdapterTest, BrokenProcIsAnErrorNotACrash) {
  X86_64HostAdapter x86;
  Aarch64HostAdapter arm;
  Riscv64HostAdapter rv;
  EXPECT_FALSE(x86.Probe(Proc("proc-broken")).ok());
  EXPECT_FALSE(arm.Probe(Proc("proc-broken")).ok());
  EXPECT_FALSE(rv.Probe(Proc("proc-broken")).ok());
  EXPECT_EQ(x86.Probe(Proc("no-such-dir")).status().code(), absl::StatusCode::kNotFound);
}

TEST(HostAdapterTest, OciPlatformsAndStacks) {
  X86_64HostAdapter x86;
  Aarch64HostAdapter arm;
  Riscv64HostAdapter rv;
  EXPECT_TRUE(arm.MatchesPlatform("linux/arm64/v8"));
  EXPECT_TRUE(arm.MatchesPlatform("arm64"));
  EXPECT_TRUE(arm.MatchesPlatform("aarch64"));
  EXPECT_FALSE(arm.MatchesPlatform("linux/amd64"));
  EXPECT_FALSE(arm.MatchesPlatform("windows/arm64"));
  EXPECT_FALSE(arm.MatchesPlatform("linux/arm/v7"));
  EXPECT_TRUE(x86.MatchesPlatform("linux/amd64"));
  EXPECT_TRUE(x86.MatchesPlatform("x86_64"));
  EXPECT_FALSE(x86.MatchesPlatform("linux/riscv64"));
  EXPECT_TRUE(rv.MatchesPlatform("linux/riscv64"));
  EXPECT_FALSE(rv.MatchesPlatform("garbage/zz"));
  EXPECT_TRUE(arm.SupportsVendorStack("ascend"));
  EXPECT_FALSE(arm.SupportsVendorStack("hygon"));
  EXPECT_TRUE(x86.SupportsVendorStack("hygon"));
  EXPECT_TRUE(x86.SupportsVendorStack("kunlun"));
}

TEST(HostAdapterTest, BuiltinsRegisterOnceEach) {
  AdapterRegistry registry;
  ASSERT_TRUE(RegisterBuiltinAdapters(registry).ok());
  EXPECT_NE(registry.FindHost(Arch::kRiscv64), nullptr);
  for (const char* v : {"nvidia", "ascend", "kunlun", "ppu", "cambricon", "hygon", "metax", "biren",
                        "moore-threads", "enflame", "iluvatar"}) {
    EXPECT_NE(registry.FindDevice(v), nullptr) << v;
  }
  EXPECT_EQ(RegisterBuiltinAdapters(registry).code(), absl::StatusCode::kAlreadyExists);
}

}  // namespace
}  // namespace manychip

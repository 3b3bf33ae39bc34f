#include "adapters/host/x86_64/x86_64_host_adapter.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "adapters/host/cpuinfo.h"

namespace manychip {
namespace {

constexpr const char* kFeatures[] = {
    "sse4_2",      "avx",         "avx2",        "fma",      "avx512f",  "avx512bw", "avx512vl",
    "avx512_vnni", "avx512_bf16", "avx512_fp16", "avx_vnni", "amx_tile", "amx_bf16", "amx_int8"};

}  // namespace

X86_64HostAdapter::X86_64HostAdapter()
    : HostAdapterBase(Arch::kX86_64,
                      {"nvidia", "ascend", "kunlun", "ppu", "cambricon", "hygon", "metax", "biren",
                       "moore-threads", "enflame", "iluvatar", "zhonghao"}) {}

std::vector<std::string> X86FeaturesFromCpuid() {
  std::vector<std::string> out;
#if defined(__x86_64__)
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return out;
  const bool sse42 = c & (1u << 20), fma = c & (1u << 12), avx = c & (1u << 28);
  const bool osxsave = c & (1u << 27);
  uint64_t xcr0 = 0;
  if (osxsave) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    xcr0 = (uint64_t{hi} << 32) | lo;
  }
  const bool ymm = (xcr0 & 0x6) == 0x6;
  const bool zmm = ymm && (xcr0 & 0xe0) == 0xe0;
  const bool tmm = (xcr0 & 0x60000) == 0x60000;
  if (sse42) out.push_back("sse4_2");
  if (avx && ymm) out.push_back("avx");
  if (fma && ymm) out.push_back("fma");
  unsigned a7 = 0, b7 = 0, c7 = 0, d7 = 0, a71 = 0, b71 = 0, c71 = 0, d71 = 0;
  if (__get_cpuid_count(7, 0, &a7, &b7, &c7, &d7)) {
    if (ymm && (b7 & (1u << 5))) out.push_back("avx2");
    if (zmm && (b7 & (1u << 16))) out.push_back("avx512f");
    if (zmm && (b7 & (1u << 30))) out.push_back("avx512bw");
    if (zmm && (b7 & (1u << 31))) out.push_back("avx512vl");
    if (zmm && (c7 & (1u << 11))) out.push_back("avx512_vnni");
    if (zmm && (d7 & (1u << 23))) out.push_back("avx512_fp16");
    if (tmm && (d7 & (1u << 22))) out.push_back("amx_bf16");
    if (tmm && (d7 & (1u << 24))) out.push_back("amx_tile");
    if (tmm && (d7 & (1u << 25))) out.push_back("amx_int8");
    if (a7 >= 1 && __get_cpuid_count(7, 1, &a71, &b71, &c71, &d71)) {
      if (ymm && (a71 & (1u << 4))) out.push_back("avx_vnni");
      if (zmm && (a71 & (1u << 5))) out.push_back("avx512_bf16");
    }
  }
  std::sort(out.begin(), out.end());
#endif
  return out;
}

absl::StatusOr<HostInfo> X86_64HostAdapter::Probe(const HostProbeOptions& options) const {
  auto blocks = host::ReadCpuinfo(options.proc_root);
  if (!blocks.ok()) return blocks.status();
  HostInfo info;
  info.arch = Arch::kX86_64;
  const std::string flags = host::FirstValue(*blocks, "flags");
  if (flags.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.proc_root, "/cpuinfo: no \"flags\" line; not an x86_64 cpuinfo"));
  }
  auto n = host::CountProcessors(*blocks, options.proc_root);
  if (!n.ok()) return n.status();
  info.cpu_milli = *n * 1000;
  auto mem = host::ReadMemTotalMiB(options.proc_root);
  if (!mem.ok()) return mem.status();
  info.memory_mib = *mem;
  info.cpu_model = host::FirstValue(*blocks, "model name");
#if defined(__x86_64__)
  const bool live = options.proc_root == "/proc";
#else
  const bool live = false;
#endif
  if (live) {
    info.cpu_features = X86FeaturesFromCpuid();
  } else {
    std::vector<std::string> have = absl::StrSplit(flags, ' ', absl::SkipEmpty());
    std::sort(have.begin(), have.end());
    for (const char* f : kFeatures) {
      if (std::binary_search(have.begin(), have.end(), std::string(f))) {
        info.cpu_features.push_back(f);
      }
    }
    std::sort(info.cpu_features.begin(), info.cpu_features.end());
  }
  return info;
}

}  // namespace manychip

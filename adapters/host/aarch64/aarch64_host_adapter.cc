#include "adapters/host/aarch64/aarch64_host_adapter.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "adapters/host/cpuinfo.h"

namespace manychip {
namespace {

constexpr const char* kFeatures[] = {"asimd", "asimddp", "asimdhp", "atomics", "bf16",
                                     "i8mm",  "sme",     "sve",     "sve2"};

}  // namespace

std::string Aarch64CpuName(absl::string_view implementer, absl::string_view part) {
  uint32_t impl = 0, p = 0;
  if (!absl::SimpleHexAtoi(implementer, &impl) || !absl::SimpleHexAtoi(part, &p)) return "";
  struct Row {
    uint32_t impl, part;
    const char* name;
  };
  static constexpr Row kRows[] = {
      {0x48, 0xd01, "HiSilicon Kunpeng 920"}, {0x41, 0xd0c, "ARM Neoverse N1"},
      {0x41, 0xd40, "ARM Neoverse V1"},       {0x41, 0xd49, "ARM Neoverse N2"},
      {0x41, 0xd4f, "ARM Neoverse V2"},
  };
  for (const Row& r : kRows) {
    if (r.impl == impl && r.part == p) return r.name;
  }
  return "";
}

absl::StatusOr<HostInfo> Aarch64HostAdapter::Probe(const HostProbeOptions& options) const {
  auto blocks = host::ReadCpuinfo(options.proc_root);
  if (!blocks.ok()) return blocks.status();
  const std::string features = host::FirstValue(*blocks, "features");
  const std::string implementer = host::FirstValue(*blocks, "cpu implementer");
  if (features.empty() || implementer.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        options.proc_root,
        "/cpuinfo: no \"Features\" / \"CPU implementer\" lines; not an aarch64 cpuinfo"));
  }
  HostInfo info;
  info.arch = Arch::kAarch64;
  auto n = host::CountProcessors(*blocks, options.proc_root);
  if (!n.ok()) return n.status();
  info.cpu_milli = *n * 1000;
  auto mem = host::ReadMemTotalMiB(options.proc_root);
  if (!mem.ok()) return mem.status();
  info.memory_mib = *mem;
  const std::string part = host::FirstValue(*blocks, "cpu part");
  info.cpu_model = Aarch64CpuName(implementer, part);
  if (info.cpu_model.empty()) {
    info.cpu_model = absl::StrCat("arm64 implementer ", implementer, " part ", part);
  }
  std::vector<std::string> have = absl::StrSplit(features, ' ', absl::SkipEmpty());
  std::sort(have.begin(), have.end());
  for (const char* f : kFeatures) {
    if (std::binary_search(have.begin(), have.end(), std::string(f))) {
      info.cpu_features.push_back(f);
    }
  }
  return info;
}

}  // namespace manychip

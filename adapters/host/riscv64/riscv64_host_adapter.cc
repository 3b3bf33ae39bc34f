#include "adapters/host/riscv64/riscv64_host_adapter.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "adapters/host/cpuinfo.h"

namespace manychip {

absl::StatusOr<std::vector<std::string>> RiscvIsaFeatures(absl::string_view isa) {
  std::string s = absl::AsciiStrToLower(absl::StripAsciiWhitespace(isa));
  if (!absl::StartsWith(s, "rv64")) {
    return absl::InvalidArgumentError(absl::StrCat("isa \"", isa, "\": want rv64..."));
  }
  std::vector<std::string> parts = absl::StrSplit(s.substr(4), '_', absl::SkipEmpty());
  std::vector<std::string> out;
  if (!parts.empty()) {
    for (char c : parts[0]) {
      if (!absl::ascii_islower(static_cast<unsigned char>(c))) {
        return absl::InvalidArgumentError(absl::StrCat("isa \"", isa, "\": bad extension letter"));
      }
      // "g" is shorthand for imafd (+ zicsr, zifencei).
      if (c == 'g') {
        for (const char* e : {"i", "m", "a", "f", "d"}) out.push_back(e);
      } else {
        out.push_back(std::string(1, c));
      }
    }
    for (size_t i = 1; i < parts.size(); ++i) out.push_back(parts[i]);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

absl::StatusOr<HostInfo> Riscv64HostAdapter::Probe(const HostProbeOptions& options) const {
  auto blocks = host::ReadCpuinfo(options.proc_root);
  if (!blocks.ok()) return blocks.status();
  const std::string isa = host::FirstValue(*blocks, "isa");
  if (isa.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.proc_root, "/cpuinfo: no \"isa\" line; not a riscv64 cpuinfo"));
  }
  auto features = RiscvIsaFeatures(isa);
  if (!features.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.proc_root, "/cpuinfo: ", features.status().message()));
  }
  HostInfo info;
  info.arch = Arch::kRiscv64;
  info.cpu_features = *std::move(features);
  auto n = host::CountProcessors(*blocks, options.proc_root);
  if (!n.ok()) return n.status();
  info.cpu_milli = *n * 1000;
  auto mem = host::ReadMemTotalMiB(options.proc_root);
  if (!mem.ok()) return mem.status();
  info.memory_mib = *mem;
  info.cpu_model = host::FirstValue(*blocks, "uarch");
  if (info.cpu_model.empty()) info.cpu_model = host::FirstValue(*blocks, "model name");
  return info;
}

}  // namespace manychip

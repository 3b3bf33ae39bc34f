#include "adapters/device/nvidia/nvidia_smi.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "adapters/common/smi_output.h"
#include "manychip/status.h"

namespace manychip::nvidia {
namespace {

NvmlPair PairOf(const DeviceLinkSpec& l) {
  NvmlPair p;
  switch (l.link_class) {
    case LinkClass::kHighSpeed:
      p.nvlink_p2p = true;
      p.nvlinks = l.lanes;
      p.level = NvmlTopoLevel::kInternal;
      break;
    case LinkClass::kSameBoard:
      p.level = NvmlTopoLevel::kInternal;
      break;
    case LinkClass::kSingleSwitch:
      p.level = NvmlTopoLevel::kSingle;
      break;
    case LinkClass::kMultiSwitch:
      p.level = NvmlTopoLevel::kMultiple;
      break;
    case LinkClass::kHostBridge:
      p.level = NvmlTopoLevel::kHostBridge;
      break;
    case LinkClass::kSameCpu:
      p.level = NvmlTopoLevel::kNode;
      break;
    default:
      p.level = NvmlTopoLevel::kSystem;
      break;
  }
  return p;
}

}  // namespace

absl::StatusOr<int32_t> CudaVersionFromBanner(absl::string_view header) {
  constexpr absl::string_view kKey = "CUDA Version:";
  const size_t at = header.find(kKey);
  if (at == absl::string_view::npos) return 0;
  absl::string_view rest = absl::StripLeadingAsciiWhitespace(header.substr(at + kKey.size()));
  rest = rest.substr(0, rest.find_first_of(" \t|\n"));
  std::vector<absl::string_view> parts = absl::StrSplit(rest, '.');
  int32_t major = 0, minor = 0;
  if (parts.size() < 2 || !absl::SimpleAtoi(parts[0], &major) ||
      !absl::SimpleAtoi(parts[1], &minor) || major <= 0 || minor < 0 || minor > 99) {
    return absl::InvalidArgumentError(
        absl::StrCat("nvidia-smi: \"CUDA Version: ", rest, "\" is not MAJOR.MINOR"));
  }
  return major * 1000 + minor * 10;
}

absl::StatusOr<NvmlSnapshot> SnapshotFromNvidiaSmi(absl::string_view query_csv,
                                                   absl::string_view topo,
                                                   absl::string_view header) {
  MC_ASSIGN_OR_RETURN(std::vector<SmiGpu> gpus,
                      ParseQueryGpuCsv(query_csv, "nvidia-smi --query-gpu"));
  NvmlSnapshot snap;
  for (const SmiGpu& g : gpus) {
    NvmlGpu n;
    n.uuid = g.uuid;
    n.name = g.name;
    n.memory_total_bytes = static_cast<uint64_t>(g.memory_mib) << 20;
    n.pci_bus_id = g.pci_bus_id;
    if (!g.driver_version.empty()) {
      if (!snap.driver_version.empty() && snap.driver_version != g.driver_version) {
        return absl::InvalidArgumentError(absl::StrCat("nvidia-smi --query-gpu: GPU ", g.index,
                                                       " reports driver ", g.driver_version,
                                                       ", GPU 0 ", snap.driver_version));
      }
      snap.driver_version = g.driver_version;
    }
    snap.gpus.push_back(std::move(n));
  }
  const size_t count = snap.gpus.size();
  snap.pairs.assign(count, std::vector<NvmlPair>(count));
  if (!topo.empty()) {
    MC_ASSIGN_OR_RETURN(TopoMatrix m, ParseTopoMatrix(topo, "GPU", "nvidia-smi topo -m"));
    if (static_cast<size_t>(m.size) != count) {
      return absl::InvalidArgumentError(
          absl::StrCat("nvidia-smi topo -m: ", m.size, " GPUs, --query-gpu lists ", count));
    }
    for (size_t i = 0; i < count; ++i) {
      snap.gpus[i].numa_node = m.numa[i];
      for (size_t j = 0; j < count; ++j) {
        if (i != j) snap.pairs[i][j] = PairOf(m.links[i][j]);
      }
    }
  }
  MC_ASSIGN_OR_RETURN(snap.cuda_driver_version, CudaVersionFromBanner(header));
  return snap;
}

}  // namespace manychip::nvidia

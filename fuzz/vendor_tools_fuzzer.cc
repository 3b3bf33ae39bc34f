// Every parser of vendor-tool output the device adapters run (or read from
// a --tool-output-dir). The first line names the tool output; the rest is
// the output itself. nvidia-smi's snapshot takes three outputs, separated by
// a line holding only "---" (query CSV, `topo -m`, banner).

#include <vector>

#include "absl/strings/str_split.h"
#include "adapters/common/smi_output.h"
#include "adapters/common/stack_version.h"
#include "adapters/device/ascend/cann_version.h"
#include "adapters/device/ascend/npu_smi.h"
#include "adapters/device/kunlun/xpu_smi.h"
#include "adapters/device/nvidia/nvidia_smi.h"
#include "fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace manychip;
  const auto [tool, text] = fuzz::SplitSelector(fuzz::AsText(data, size));
  if (tool == "query-gpu-csv") {
    (void)ParseQueryGpuCsv(text, "fuzz");
  } else if (tool == "topo-gpu") {
    (void)ParseTopoMatrix(text, "GPU", "fuzz");
  } else if (tool == "topo-npu") {
    static constexpr absl::string_view kHighSpeed[] = {"HCCS"};
    (void)ParseTopoMatrix(text, "NPU", "fuzz", kHighSpeed);
  } else if (tool == "topo-xpu") {
    (void)ParseTopoMatrix(text, "XPU", "fuzz");
  } else if (tool == "nvidia-smi") {
    std::vector<absl::string_view> parts = absl::StrSplit(text, "\n---\n");
    parts.resize(3);
    (void)nvidia::SnapshotFromNvidiaSmi(parts[0], parts[1], parts[2]);
  } else if (tool == "nvidia-smi-banner") {
    (void)nvidia::CudaVersionFromBanner(text);
  } else if (tool == "npu-smi-info") {
    (void)ascend::ParseNpuSmiInfo(text);
  } else if (tool == "cann-install-info") {
    (void)ascend::InstallInfoVersion(text, "fuzz");
  } else if (tool == "xpu-smi-query") {
    (void)kunlun::ParseXpuSmiQuery(text);
  } else if (tool == "xpu-smi-table") {
    (void)kunlun::ParseXpuSmiTable(text);
  } else if (tool == "versions") {
    // Two version strings, one per line, as a stack requirement compares them.
    const auto [a, b] = fuzz::SplitSelector(text);
    (void)stack::CompareDottedVersions(a, b);
    (void)stack::CompareAscendVersions(a, b);
  }
  return 0;
}

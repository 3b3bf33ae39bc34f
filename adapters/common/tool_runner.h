#pragma once

// Runs a vendor command-line tool (npu-smi, xpu-smi, ppu-smi, ...) and returns
// its standard output, or reads a recorded output file instead when
// DiscoverOptions::tool_output_dir is set (tests, dry runs on fixture trees).
//
//   MC_ASSIGN_OR_RETURN(std::string out, RunTool(options, {"npu-smi", {"info"}}));
//
// Thread-safety: safe to call concurrently (each call forks its own child).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "manychip/adapters/device_adapter.h"

namespace manychip {

struct ToolCall {
  std::string program;  // looked up in PATH
  std::vector<std::string> args;
  int timeout_ms = 10000;
};

// The file a recorded run of `call` is read from, inside tool_output_dir:
// the program, then "_" and each argument with its leading dashes and any
// "=value" removed, then ".csv" when an argument is "--format=csv" (that
// argument itself is left out), else ".txt". So:
//   npu-smi info                                 -> npu-smi_info.txt
//   npu-smi info -t board -i 0                   -> npu-smi_info_t_board_i_0.txt
//   xpu-smi topo -m                              -> xpu-smi_topo_m.txt
//   xpu-smi                                      -> xpu-smi.txt
//   ppu-smi --query-gpu=index,uuid --format=csv  -> ppu-smi_query-gpu.csv
// One rule for every vendor, so a recorded host is made by running each tool
// once and saving its stdout under this name.
std::string RecordedToolName(const ToolCall& call);

// NotFound when the tool is not installed (or the recorded file is absent):
// callers treat that as "this vendor's stack is not here" and fall back to a
// PCI scan. Unavailable when the tool ran and failed or timed out.
absl::StatusOr<std::string> RunTool(const DiscoverOptions& options, const ToolCall& call);

// `abs_path` ("/usr/local/Ascend/...") under DiscoverOptions::host_root.
std::string HostPath(const DiscoverOptions& options, absl::string_view abs_path);

}  // namespace manychip

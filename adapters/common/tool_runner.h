#pragma once

// Runs a vendor command-line tool (npu-smi, xpu-smi, ppu-smi, ...) and returns
// its standard output, or reads a recorded output file instead when
// DiscoverOptions::tool_output_dir is set (tests, dry runs on fixture trees).
//
//   MC_ASSIGN_OR_RETURN(std::string out,
//                       RunTool(options, {"npu-smi", {"info"}, "npu-smi_info.txt"}));
//
// Thread-safety: safe to call concurrently (each call forks its own child).

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "manychip/adapters/device_adapter.h"

namespace manychip {

struct ToolCall {
  std::string program;  // looked up in PATH
  std::vector<std::string> args;
  std::string recorded_name;  // file name inside tool_output_dir
  int timeout_ms = 10000;
};

// NotFound when the tool is not installed (or the recorded file is absent):
// callers treat that as "this vendor's stack is not here" and fall back to a
// PCI scan. Unavailable when the tool ran and failed or timed out.
absl::StatusOr<std::string> RunTool(const DiscoverOptions& options, const ToolCall& call);

}  // namespace manychip

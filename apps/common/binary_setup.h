#pragma once

// What every manychip binary sets up first in main: logs go to stderr (stdout
// carries a command's output, such as `manychip-agent --discover --dry-run`'s
// JSON, and must parse whatever is logged), `--help` lists the binary's own
// flags with their defaults, and `--version` prints VersionLine().
//
// Thread-safety: call SetUpBinary once, first in main, before any thread starts.
//
//   int main(int argc, char** argv) {
//     manychip::SetUpBinary("manychipd", "manychip scheduler daemon");
//     manychip::NormalizeDashedFlags(argc, argv);
//     absl::ParseCommandLine(argc, argv);
//   }

#include <string>

#include "absl/strings/string_view.h"

namespace manychip {

// "manychipd 0.1.0": the binary's name and the project version it was built from.
std::string VersionLine(absl::string_view name);

// Points spdlog's default logger at stderr and configures absl's usage
// output: the usage message, `--help` showing the flags defined under apps/
// (absl would only match files named after the binary, and ours are main.cc),
// and the `--version` text. Binaries that parse their own flags call it too,
// for the logger.
void SetUpBinary(absl::string_view name, absl::string_view usage);

}  // namespace manychip

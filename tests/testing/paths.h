#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace manychip::testing {

// Absolute path of a file in the source tree, e.g. "examples/catalog/devices.json".
std::string SourcePath(absl::string_view relative);
// Absolute path in the build tree, e.g. "bin/manychipd".
std::string BinaryPath(absl::string_view relative);

}  // namespace manychip::testing

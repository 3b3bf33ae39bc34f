#include "tests/testing/paths.h"

#include "absl/strings/str_cat.h"

namespace manychip::testing {

std::string SourcePath(absl::string_view relative) {
  return absl::StrCat(MANYCHIP_SOURCE_DIR, "/", relative);
}

std::string BinaryPath(absl::string_view relative) {
  return absl::StrCat(MANYCHIP_BINARY_DIR, "/", relative);
}

}  // namespace manychip::testing

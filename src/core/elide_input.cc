#include "manychip/elide_input.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace manychip {

std::string ElideInput(absl::string_view input, size_t max_bytes) {
  if (input.size() <= max_bytes) return absl::CHexEscape(input);
  return absl::StrCat(absl::CHexEscape(input.substr(0, max_bytes)), "...(", input.size(),
                      " bytes)");
}

}  // namespace manychip

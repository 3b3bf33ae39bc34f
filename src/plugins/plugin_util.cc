#include "src/plugins/plugin_util.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace manychip::plugins {

bool ModelAccepted(const FlavorSpec& flavor, int32_t model) {
  return std::binary_search(flavor.device_models.begin(), flavor.device_models.end(), model);
}

ChooseRequest ToChooseRequest(const DemandSpec& demand) {
  ChooseRequest r;
  r.cards = demand.card_count();
  r.share = demand.is_fractional() ? demand.devices : MilliDevices::FromRaw(kMilliPerDevice);
  r.min_device_memory = demand.device_memory;
  return r;
}

absl::StatusOr<int> CompareDottedVersions(absl::string_view a, absl::string_view b) {
  std::vector<absl::string_view> pa = absl::StrSplit(a, '.');
  std::vector<absl::string_view> pb = absl::StrSplit(b, '.');
  size_t n = std::max(pa.size(), pb.size());
  for (size_t i = 0; i < n; ++i) {
    int64_t x = 0, y = 0;
    if (i < pa.size() && !absl::SimpleAtoi(pa[i], &x)) {
      return absl::InvalidArgumentError(absl::StrCat("version '", a, "': not dotted numbers"));
    }
    if (i < pb.size() && !absl::SimpleAtoi(pb[i], &y)) {
      return absl::InvalidArgumentError(absl::StrCat("version '", b, "': not dotted numbers"));
    }
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

}  // namespace manychip::plugins

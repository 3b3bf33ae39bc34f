// The controller's check of a node's vendors against the loaded device
// adapters (manychipd --missing_adapter; ControllerOptions).

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "src/service/controller.h"

namespace manychip::internal {

std::vector<std::string> Controller::MissingAdapterWarnings(const v1::Node& node) const {
  std::vector<std::string> out;
  if (!options_.adapter_vendors.has_value()) return out;
  std::map<std::string, int> missing;  // vendor -> devices, ordered for stable text
  for (const v1::Device& d : node.devices()) {
    const DeviceModelSpec* m = catalog_->Find(d.model());
    if (m == nullptr || options_.adapter_vendors->contains(m->vendor)) continue;
    ++missing[m->vendor];
  }
  for (const auto& [vendor, count] : missing) {
    out.push_back(absl::StrCat("no adapter loaded for vendor ", vendor, " (", count, " device",
                               count == 1 ? "" : "s", "): generic device choice, ", vendor,
                               "'s pairing rules are not enforced"));
  }
  return out;
}

}  // namespace manychip::internal

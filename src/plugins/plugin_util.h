#pragma once

// Small helpers shared by the built-in plugins.

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "manychip/adapters/device_adapter.h"
#include "manychip/core/cluster_state.h"
#include "manychip/core/job.h"
#include "manychip/framework/plugin.h"
#include "src/framework/device_choice.h"

namespace manychip::plugins {

// True if `model` (a catalog index) is one of the flavor's device models.
bool ModelAccepted(const FlavorSpec& flavor, int32_t model);

// The adapter request for a demand.
ChooseRequest ToChooseRequest(const DemandSpec& demand);

// The framework's generic device choice and adapter lookup
// (src/framework/device_choice.h), which most device plugins use too.
using internal::AdapterForNode;
using internal::CheckGeneric;
using internal::ChooseGeneric;
using internal::GenericFit;

// Compares dotted numeric versions ("12.4" < "12.10"); InvalidArgument on a
// non-numeric component.
absl::StatusOr<int> CompareDottedVersions(absl::string_view a, absl::string_view b);

template <class T>
absl::StatusOr<std::unique_ptr<Plugin>> Wrap(absl::StatusOr<std::unique_ptr<T>> p) {
  if (!p.ok()) return p.status();
  return std::unique_ptr<Plugin>(std::move(p).value());
}

}  // namespace manychip::plugins

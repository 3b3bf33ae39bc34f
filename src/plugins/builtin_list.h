#pragma once

// The built-in plugin list, as data, so tests can walk it.

#include <vector>

#include "absl/strings/string_view.h"
#include "manychip/framework/registry.h"

namespace manychip::plugins {

using PluginFactoryFn = absl::StatusOr<std::unique_ptr<Plugin>> (*)(const PluginArgs&,
                                                                    const FrameworkHandle&);
struct BuiltinEntry {
  absl::string_view name;
  PluginFactoryFn factory;
};

const std::vector<BuiltinEntry>& BuiltinList();

}  // namespace manychip::plugins

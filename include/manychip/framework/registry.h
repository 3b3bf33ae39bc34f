#pragma once

// PluginRegistry: the explicit map from plugin name to factory, after the
// Kubernetes scheduler's in-tree registry. No static-initialiser magic: the
// built-in list is one literal list in src/plugins/builtin_plugins.cc.
//
// Adding a built-in plugin is one line there:
//   {"fgd", &plugins::NewFgdScore},
// with `absl::StatusOr<std::unique_ptr<Plugin>> NewFgdScore(const PluginArgs&,
// const FrameworkHandle&)` declared in the plugin's own header.
//
// A registry is a value: copying it or merging it into another shares the
// factories (held by shared pointer) and leaves the source unchanged, so one
// registry of custom plugins can feed several schedulers and profile checks.
//
// Thread-safety: fill on one thread, then read-only. Factories are const and
// a factory shared by schedulers on several threads is called from each of
// them, so it must be safe to call concurrently.
//
//   PluginRegistry registry = BuiltinPlugins();
//   MC_RETURN_IF_ERROR(registry.Register("mine", &NewMine));   // AlreadyExists on dup
//   MC_ASSIGN_OR_RETURN(auto plugin, registry.Create(args, handle));

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "manychip/framework/plugin.h"

namespace manychip {

// One plugin entry of a profile: name, score weight and string arguments.
// Accessors return InvalidArgument naming `plugins.<name>.args.<key>`.
struct PluginArgs {
  std::string name;
  int64_t weight = 1;
  std::map<std::string, std::string> args;

  absl::StatusOr<int64_t> GetInt(absl::string_view key, int64_t default_value, int64_t min,
                                 int64_t max) const;
  absl::StatusOr<bool> GetBool(absl::string_view key, bool default_value) const;
  std::string GetString(absl::string_view key, absl::string_view default_value) const;
  // InvalidArgument naming the first argument not in `known`.
  absl::Status CheckKnown(std::initializer_list<absl::string_view> known) const;
};

using PluginFactory = absl::AnyInvocable<absl::StatusOr<std::unique_ptr<Plugin>>(
    const PluginArgs& args, const FrameworkHandle& handle) const>;

class PluginRegistry {
 public:
  // AlreadyExists if `name` is taken.
  absl::Status Register(absl::string_view name, PluginFactory factory);
  // Adds every entry of `other`, sharing its factories; `other` is unchanged.
  // AlreadyExists on the first duplicate (nothing is merged then).
  absl::Status Merge(const PluginRegistry& other);
  bool Contains(absl::string_view name) const;
  // InvalidArgument "unknown plugin 'x'" if not registered; else the
  // factory's result.
  absl::StatusOr<std::unique_ptr<Plugin>> Create(const PluginArgs& args,
                                                 const FrameworkHandle& handle) const;
  // Registered names, sorted.
  std::vector<std::string> Names() const;

 private:
  std::map<std::string, std::shared_ptr<const PluginFactory>, std::less<>> factories_;
};

// The built-in plugins (src/plugins/builtin_plugins.cc).
PluginRegistry BuiltinPlugins();

}  // namespace manychip

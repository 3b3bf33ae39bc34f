#include "manychip/framework/registry.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace manychip {

absl::StatusOr<int64_t> PluginArgs::GetInt(absl::string_view key, int64_t default_value,
                                           int64_t min, int64_t max) const {
  auto it = args.find(std::string(key));
  if (it == args.end()) return default_value;
  int64_t v = 0;
  if (!absl::SimpleAtoi(it->second, &v)) {
    return absl::InvalidArgumentError(
        absl::StrCat("plugins.", name, ".args.", key, ": not an integer, got '", it->second, "'"));
  }
  if (v < min || v > max) {
    return absl::InvalidArgumentError(absl::StrCat("plugins.", name, ".args.", key,
                                                   ": must be in [", min, ", ", max, "], got ", v));
  }
  return v;
}

absl::StatusOr<bool> PluginArgs::GetBool(absl::string_view key, bool default_value) const {
  auto it = args.find(std::string(key));
  if (it == args.end()) return default_value;
  if (it->second == "true") return true;
  if (it->second == "false") return false;
  return absl::InvalidArgumentError(absl::StrCat(
      "plugins.", name, ".args.", key, ": must be true or false, got '", it->second, "'"));
}

std::string PluginArgs::GetString(absl::string_view key, absl::string_view default_value) const {
  auto it = args.find(std::string(key));
  return it == args.end() ? std::string(default_value) : it->second;
}

absl::Status PluginArgs::CheckKnown(std::initializer_list<absl::string_view> known) const {
  for (const auto& [k, v] : args) {
    bool ok = false;
    for (absl::string_view n : known) ok = ok || n == k;
    if (!ok) {
      return absl::InvalidArgumentError(
          absl::StrCat("plugins.", name, ".args.", k, ": unknown argument"));
    }
  }
  return absl::OkStatus();
}

absl::Status PluginRegistry::Register(absl::string_view name, PluginFactory factory) {
  if (name.empty()) return absl::InvalidArgumentError("plugin name: must not be empty");
  if (factories_.find(name) != factories_.end()) {
    return absl::AlreadyExistsError(absl::StrCat("plugin '", name, "' is already registered"));
  }
  factories_.emplace(std::string(name), std::make_shared<const PluginFactory>(std::move(factory)));
  return absl::OkStatus();
}

absl::Status PluginRegistry::Merge(const PluginRegistry& other) {
  for (const auto& [name, f] : other.factories_) {
    if (factories_.find(name) != factories_.end()) {
      return absl::AlreadyExistsError(absl::StrCat("plugin '", name, "' is already registered"));
    }
  }
  for (const auto& [name, f] : other.factories_) factories_.emplace(name, f);
  return absl::OkStatus();
}

bool PluginRegistry::Contains(absl::string_view name) const {
  return factories_.find(name) != factories_.end();
}

absl::StatusOr<std::unique_ptr<Plugin>> PluginRegistry::Create(
    const PluginArgs& args, const FrameworkHandle& handle) const {
  auto it = factories_.find(args.name);
  if (it == factories_.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("plugins.", args.name, ": unknown plugin '", args.name, "'"));
  }
  if (args.weight < 0 || args.weight > 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat("plugins.", args.name, ".weight: must be in [0, 1000], got ", args.weight));
  }
  return (*it->second)(args, handle);
}

std::vector<std::string> PluginRegistry::Names() const {
  std::vector<std::string> out;
  for (const auto& [name, f] : factories_) out.push_back(name);
  return out;
}

}  // namespace manychip

// The one literal list of built-in plugins (see registry.h). Adding a plugin
// is one line here plus its own header/source pair in src/plugins/.

#include "manychip/framework/registry.h"
#include "manychip/status.h"
#include "src/plugins/builtin_list.h"

namespace manychip {

PluginRegistry BuiltinPlugins() {
  PluginRegistry registry;
  for (const plugins::BuiltinEntry& e : plugins::BuiltinList()) {
    absl::Status s = registry.Register(e.name, e.factory);
    MC_CHECK(s.ok());  // the literal list has no duplicates; a test checks it
  }
  return registry;
}

}  // namespace manychip

// The one literal list of built-in plugins (see registry.h). Adding a plugin
// is one line in builtin_list.cc plus its own header/source pair in
// src/plugins/, named after its class: `<name>_<kind>.{h,cc}` for a plugin
// with one main role (`ArchFilter` in arch_filter.h, `FgdScorePlugin` in
// fgd_score.h), the bare name where the name already says the role
// (gang.h, preemption.h, queue_sort.h). Its test is tests/unit/plugins/
// `<same>_test.cc`.

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

// Links manychip::core alone: the built-in plugins and the default profile.

#include <cstdio>

#include "manychip/core/profile.h"
#include "manychip/framework/registry.h"

int main() {
  const manychip::PluginRegistry registry = manychip::BuiltinPlugins();
  const manychip::ProfileSpec profile = manychip::DefaultProfile();
  for (const manychip::PluginArgs& p : profile.plugins) {
    if (!registry.Contains(p.name)) {
      std::fprintf(stderr, "default profile names unknown plugin %s\n", p.name.c_str());
      return 1;
    }
  }
  std::printf("core only: %zu built-in plugins\n", registry.Names().size());
  return 0;
}

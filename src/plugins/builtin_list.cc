#include "src/plugins/builtin_list.h"

namespace manychip::plugins {

// One line per plugin: {"name", &NewPlugin}. Keep it sorted by name.
const std::vector<BuiltinEntry>& BuiltinList() {
  static const auto* list = new std::vector<BuiltinEntry>{
  };
  return *list;
}

}  // namespace manychip::plugins

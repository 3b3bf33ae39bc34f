#pragma once

// Where a manychip binary finds the files its defaults name (the device
// catalog, scheduler profiles, example inventories, the openb trace), so that
// it runs without path flags from any directory, in the build tree or
// installed.
//
// The data dir mirrors the installed layout `<prefix>/share/manychip/`:
// `catalog/`, `profiles/`, `inventories/`, `jobs/`, `clusters/`, `workloads/`
// and `alibaba-gpu-v2023/`. The build tree has the same folder at
// `build/share/manychip` (links into examples/ and data/), so a binary in
// `<dir>/bin/` finds it at `<dir>/share/manychip` either way.
//
// Thread-safety: the functions are safe to call from any thread.
//
//   absl::StatusOr<std::string> catalog = manychip::FindDataFile("catalog/devices.json");
//   if (!catalog.ok()) return Fail(catalog.status());
//   spdlog::info("manychipd: catalog {}", *catalog);

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace manychip {

// The data dirs looked in, in order: $MANYCHIP_DATA_DIR when set, then
// `../share/manychip` beside the running executable, then the data dir the
// build was configured to install into. Only dirs that exist are listed.
std::vector<std::string> DataDirs();

// The first `<dir>/<relative>` that exists, over DataDirs(); NotFound naming
// every place looked in when there is none.
absl::StatusOr<std::string> FindDataFile(absl::string_view relative);

// `flag_value` when it is set (a path the operator gave, taken as is),
// otherwise FindDataFile(`relative`).
absl::StatusOr<std::string> FlagOrDataFile(absl::string_view flag_value,
                                           absl::string_view relative);

}  // namespace manychip

#pragma once

// Installed Ascend software stacks read from the files Huawei's installers
// write (key=value lines with a `version` key), under
// DiscoverOptions::host_root so recorded hosts and tests use fixture trees:
//
//   CANN toolkit  usr/local/Ascend/ascend-toolkit/latest/<arch>-linux/ascend_toolkit_install.info
//                 usr/local/Ascend/cann/<arch>-linux/ascend_toolkit_install.info (8.5+ layout)
//   NPU driver    usr/local/Ascend/driver/version.info
//
// Versions are checked with the Ascend ordering (8.0.RC2 < 8.0.0), so a
// value the scheduler could not compare is rejected here, at the edge.
//
//   MC_RETURN_IF_ERROR(AddInstalledStacks(options, discovered.software));
//
// Thread-safety: pure functions over the filesystem.

#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "manychip/adapters/device_adapter.h"

namespace manychip::ascend {

// The `version` value (key matched case-insensitively) of install-info text.
// InvalidArgument naming `what` when it is absent or not an Ascend version.
absl::StatusOr<std::string> InstallInfoVersion(absl::string_view text, absl::string_view what);

// Sets software["cann"] from the first toolkit install-info found (layouts
// in the order above, <arch>-linux directories in name order) and, unless a
// tool already reported it, software["ascend-driver"] from version.info.
// Absent files report nothing; malformed ones are InvalidArgument naming the
// file.
absl::Status AddInstalledStacks(const DiscoverOptions& options,
                                std::map<std::string, std::string>& software);

}  // namespace manychip::ascend

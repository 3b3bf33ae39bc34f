#pragma once

// Version strings of vendor software stacks, compared as numbers, never as
// text ("535.104.05" > "535.54", "8.0.RC2" < "8.0.0").
//
//   MC_ASSIGN_OR_RETURN(int c, CompareDottedVersions("12.4", "12.10"));  // c < 0
//   MC_ASSIGN_OR_RETURN(int c, CompareAscendVersions("8.0.RC2", "8.0.0"));  // c < 0
//
// Thread-safety: pure functions.

#include <functional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "manychip/core/node.h"

namespace manychip::stack {

// Dotted numeric versions: "535.104.05", "12.4", "5.0.21.26", optional
// leading "v". Missing trailing components are 0 ("12.4" == "12.4.0"). Build
// metadata after '+' or '-' ("3.3.5-server") does not take part in ordering.
// InvalidArgument naming the version when a component is not a number.
absl::StatusOr<int> CompareDottedVersions(absl::string_view a, absl::string_view b);

// Ascend CANN and NPU driver versions: MAJOR.MINOR[.RCn | .PATCH][.alphaN |
// .betaN | .N], case-insensitive. A release candidate comes before the
// release of the same MAJOR.MINOR: 8.0.RC1 < 8.0.RC2 < 8.0.0 < 8.0.1 <
// 8.1.RC1; alpha < beta < (none) < a numeric fourth component.
absl::StatusOr<int> CompareAscendVersions(absl::string_view a, absl::string_view b);

using VersionComparator = std::function<absl::StatusOr<int>(absl::string_view, absl::string_view)>;

// Ok if node.software[stack] >= min_version. FailedPrecondition if the node
// lacks the stack, is older, or reports a malformed version; InvalidArgument
// if `min_version` itself is malformed.
absl::Status CheckMinVersion(const NodeSpec& node, absl::string_view stack,
                             absl::string_view min_version, const VersionComparator& compare);

}  // namespace manychip::stack

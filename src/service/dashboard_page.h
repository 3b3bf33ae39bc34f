#pragma once

// The dashboard page (src/service/dashboard/index.html), embedded in the
// binary at build time so an installed manychipd serves it from anywhere.

#include "absl/strings/string_view.h"

namespace manychip::internal {

absl::string_view DashboardHtml();

}  // namespace manychip::internal

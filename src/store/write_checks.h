#pragma once

// Checks every backend makes on a StoreWrite before storing any of it, so
// they refuse the same writes with the same messages.

#include "absl/status/status.h"
#include "manychip/store/state_store.h"

namespace manychip::internal {

// InvalidArgument naming the field if a put record has no key (job id, task
// id, node name).
absl::Status CheckRecordKeys(const StoreWrite& w);

}  // namespace manychip::internal

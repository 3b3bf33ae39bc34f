#pragma once

// The modes of manychip-sim; each parses its own flags from argv[2..].

#include "absl/status/status.h"

namespace manychip::sim_app {

absl::Status RunOpenbMode(int argc, char** argv);
absl::Status RunRunMode(int argc, char** argv);
absl::Status RunGenMode(int argc, char** argv);

}  // namespace manychip::sim_app

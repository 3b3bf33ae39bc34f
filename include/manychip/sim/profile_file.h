#pragma once

// Reads a scheduler profile (v1::SchedulerProfile JSON, e.g.
// examples/profiles/openb-fgd.json) into a ProfileSpec. Unknown JSON keys and
// bad weights are InvalidArgument naming the file and field; unknown plugin
// names are reported by Scheduler::Create.
//
// Thread-safety: free functions.
//
//   MC_ASSIGN_OR_RETURN(ProfileSpec p, sim::LoadProfileFile("examples/profiles/openb-fgd.json"));

#include <string>

#include "absl/status/statusor.h"
#include "manychip/core/profile.h"

namespace manychip::sim {

absl::StatusOr<ProfileSpec> LoadProfileFile(const std::string& path);
absl::StatusOr<ProfileSpec> ParseProfileJson(const std::string& json, const std::string& what);

}  // namespace manychip::sim

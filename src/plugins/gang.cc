#include "src/plugins/gang.h"

#include "manychip/core/job.h"

namespace manychip::plugins {

Decision GangPermit::Permit(const CycleState& state, int32_t reserved) const {
  // The chosen flavor's number: flavors of one group may differ in size.
  const int32_t need = MinAvailable(state.task_group(), state.flavor_index());
  return reserved >= need ? Decision::Fit() : Decision::Wait();
}

absl::StatusOr<std::unique_ptr<Plugin>> NewGangPermit(const PluginArgs& args,
                                                      const FrameworkHandle& handle) {
  MC_RETURN_IF_ERROR(args.CheckKnown({"timeout_seconds"}));
  MC_ASSIGN_OR_RETURN(int64_t t, args.GetInt("timeout_seconds", 0, 0, 86400));
  return std::unique_ptr<Plugin>(new GangPermit(absl::Seconds(t)));
}

}  // namespace manychip::plugins

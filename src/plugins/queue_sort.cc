#include "src/plugins/queue_sort.h"

namespace manychip::plugins {

bool PriorityFifoSort::Less(const QueuedJobInfo& a, const QueuedJobInfo& b) const {
  if (a.job->priority != b.job->priority) return a.job->priority > b.job->priority;
  return a.sequence < b.sequence;
}

absl::StatusOr<std::unique_ptr<Plugin>> NewPriorityFifoSort(const PluginArgs& args,
                                                            const FrameworkHandle& handle) {
  MC_RETURN_IF_ERROR(args.CheckKnown({}));
  return std::unique_ptr<Plugin>(new PriorityFifoSort());
}

}  // namespace manychip::plugins

#pragma once

// QueueSort "queue_sort": higher priority first, then submission order (FIFO
// within a priority). Tenant fair share is applied by the scheduler's queue on
// top of this order (see scheduler.h).

#include "manychip/framework/registry.h"

namespace manychip::plugins {

class PriorityFifoSort final : public QueueSortPlugin {
 public:
  absl::string_view name() const override { return "queue_sort"; }
  bool Less(const QueuedJobInfo& a, const QueuedJobInfo& b) const override;
};
static_assert(std::is_base_of_v<QueueSortPlugin, PriorityFifoSort>);

absl::StatusOr<std::unique_ptr<Plugin>> NewPriorityFifoSort(const PluginArgs& args,
                                                            const FrameworkHandle& handle);

}  // namespace manychip::plugins

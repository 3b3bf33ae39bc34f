#pragma once

// QueueSort "queue_sort": higher priority first, then submission order (FIFO
// within a priority). Tenant fair share, when the profile has it, reorders
// this order while a cycle runs (QueueOrder "fair_share", fair_share.h).

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

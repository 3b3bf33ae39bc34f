#include "src/core/free_capacity.h"

namespace manychip::internal {

int64_t FreeMilliOfModels(const ClusterState& cluster, const std::vector<int32_t>& models,
                          bool fractional) {
  int64_t milli = 0;
  for (int32_t m : models) {
    for (int32_t k = 1; k <= cluster.MaxDevicesPerNode(m); ++k) {
      milli += k * kMilliPerDevice * cluster.NodesWithFreeWhole(m, k).Count();
    }
    if (fractional) {
      for (int32_t b = 1; b < ClusterState::kShareBuckets - 1; ++b) {
        milli += b * 100 * cluster.NodesWithShareBucket(m, b).Count();
      }
    }
  }
  return milli;
}

}  // namespace manychip::internal

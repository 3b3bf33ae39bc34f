#include "src/framework/gang_tracker.h"

#include <algorithm>
#include <utility>

namespace manychip::internal {

void GangTracker::Begin(const std::string& key, int32_t min_available, absl::Time deadline) {
  Gang& g = gangs_[key];
  g.min_available = std::max(1, min_available);
  g.deadline = deadline;
  g.allocations.clear();
}

bool GangTracker::Reserve(const std::string& key, AllocationId allocation) {
  auto it = gangs_.find(key);
  if (it == gangs_.end()) return false;
  it->second.allocations.push_back(allocation);
  return true;
}

int32_t GangTracker::Reserved(const std::string& key) const {
  auto it = gangs_.find(key);
  return it == gangs_.end() ? 0 : static_cast<int32_t>(it->second.allocations.size());
}

bool GangTracker::Complete(const std::string& key) const {
  auto it = gangs_.find(key);
  return it != gangs_.end() &&
         static_cast<int32_t>(it->second.allocations.size()) >= it->second.min_available;
}

std::vector<AllocationId> GangTracker::Finish(const std::string& key) {
  auto it = gangs_.find(key);
  if (it == gangs_.end()) return {};
  std::vector<AllocationId> out = std::move(it->second.allocations);
  gangs_.erase(it);
  return out;
}

std::vector<AllocationId> GangTracker::Abort(const std::string& key) { return Finish(key); }

std::vector<std::string> GangTracker::Expire(absl::Time now, std::vector<AllocationId>& unreserve) {
  std::vector<std::string> expired;
  for (auto it = gangs_.begin(); it != gangs_.end();) {
    const Gang& g = it->second;
    if (g.deadline <= now && static_cast<int32_t>(g.allocations.size()) < g.min_available) {
      unreserve.insert(unreserve.end(), g.allocations.begin(), g.allocations.end());
      expired.push_back(it->first);
      it = gangs_.erase(it);
    } else {
      ++it;
    }
  }
  return expired;
}

}  // namespace manychip::internal

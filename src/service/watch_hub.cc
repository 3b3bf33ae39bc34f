#include "src/service/watch_hub.h"

#include <algorithm>
#include <utility>

namespace manychip::internal {

bool WatchHub::Watcher::Wants(const v1::JobEvent& event) const {
  const v1::Job& job = event.status().job();
  if (!job_id.empty() && job.id() != job_id) return false;
  return caller.Sees(job.tenant());
}

void WatchHub::Add(const Caller& caller, const std::string& job_id, std::shared_ptr<WatchLink> link,
                   const std::vector<v1::JobEvent>& current) {
  Watcher w{.caller = caller, .job_id = job_id, .link = std::move(link)};
  for (const v1::JobEvent& ev : current) {
    if (w.Wants(ev) && !w.link->SendSnapshot(ev)) return;
  }
  watchers_.push_back(std::move(w));
}

void WatchHub::Publish(const v1::JobEvent& event) {
  for (Watcher& w : watchers_) {
    if (w.link && w.Wants(event) && !w.link->Send(event)) w.link.reset();
  }
  std::erase_if(watchers_, [](const Watcher& w) { return !w.link; });
}

void WatchHub::Remove(const WatchLink* link) {
  std::erase_if(watchers_, [link](const Watcher& w) { return w.link.get() == link; });
}

size_t WatchHub::CountFor(const Caller& caller) const {
  size_t n = 0;
  for (const Watcher& w : watchers_) {
    if (w.caller.admin == caller.admin && w.caller.tenant == caller.tenant) ++n;
  }
  return n;
}

}  // namespace manychip::internal

#include "src/service/event_hub.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "manychip/status.h"
#include "src/service/event_view.h"

namespace manychip::internal {

bool EventHub::Watcher::Offer(const v1::Event& event, bool history) const {
  if (!EventNamesJob(event, job_id)) return true;
  std::optional<v1::Event> seen = EventForCaller(caller, event);
  if (!seen.has_value()) return true;
  return history ? link->SendHistory(*seen) : link->Send(*seen);
}

absl::Status EventHub::Add(const Caller& caller, const std::string& job_id, int64_t after_seq,
                           std::shared_ptr<EventLink> link, const StateStore& store) {
  Watcher w{.caller = caller, .job_id = job_id, .link = std::move(link)};
  const int64_t after = after_seq < 0 ? last_seq_ : std::min(after_seq, last_seq_);
  // The ring holds (ring_front - 1, last_seq_]; older events come from the store.
  const int64_t ring_from = ring_.empty() ? last_seq_ + 1 : ring_.front().seq();
  std::vector<EventRecord> gap;
  if (after + 1 < ring_from) {
    const int64_t missing = ring_from - 1 - after;
    if (missing > static_cast<int64_t>(capacity_)) {
      return absl::OutOfRangeError(
          absl::StrCat("after_seq: ", after_seq, " is ", last_seq_ - after,
                       " events back, more than the daemon keeps for watchers (", capacity_,
                       "); page through ListEvents first, then watch from its last_seq"));
    }
    MC_ASSIGN_OR_RETURN(gap, store.Events(after, static_cast<int>(missing)));
  }
  for (const EventRecord& r : gap) {
    if (r.seq >= ring_from) break;
    if (!w.Offer(EventToProto(r), /*history=*/true)) return absl::OkStatus();
  }
  for (const v1::Event& ev : ring_) {
    if (ev.seq() <= after) continue;
    if (!w.Offer(ev, /*history=*/true)) return absl::OkStatus();
  }
  watchers_.push_back(std::move(w));
  return absl::OkStatus();
}

void EventHub::Append(v1::Event event) {
  last_seq_ = std::max(last_seq_, event.seq());
  for (Watcher& w : watchers_) {
    if (w.link && !w.Offer(event, /*history=*/false)) w.link.reset();
  }
  std::erase_if(watchers_, [](const Watcher& w) { return !w.link; });
  ring_.push_back(std::move(event));
  while (ring_.size() > capacity_) ring_.pop_front();
}

void EventHub::Remove(const EventLink* link) {
  std::erase_if(watchers_, [link](const Watcher& w) { return w.link.get() == link; });
}

size_t EventHub::CountFor(const Caller& caller) const {
  size_t n = 0;
  for (const Watcher& w : watchers_) {
    if (w.caller.admin == caller.admin && w.caller.tenant == caller.tenant) ++n;
  }
  return n;
}

}  // namespace manychip::internal

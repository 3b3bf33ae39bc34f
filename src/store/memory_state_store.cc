// In-memory StateStore: ordered maps behind a mutex. Same contract as the
// SQLite backend (atomic writes, records keyed and ordered by id), minus
// durability, so unit tests and `--state :memory:` need no file.

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "manychip/status.h"
#include "manychip/store/state_store.h"
#include "src/store/write_checks.h"

namespace manychip {
namespace {

class InMemoryStateStore final : public StateStore {
 public:
  absl::Status Write(const StoreWrite& w) override {
    // Validate first so a rejected write leaves nothing behind.
    MC_RETURN_IF_ERROR(internal::CheckRecordKeys(w));
    absl::MutexLock lock(&mu_);
    for (const v1::JobStatus& j : w.put_jobs) {
      v1::JobStatus copy = j;
      copy.clear_tasks();
      jobs_[j.job().id()] = std::move(copy);
    }
    for (const BindingRecord& b : w.put_bindings) bindings_[b.task.task_id()] = b;
    for (const std::string& id : w.delete_bindings) bindings_.erase(id);
    for (const NodeRecord& n : w.put_nodes) nodes_[n.node.name()] = n;
    for (const std::string& name : w.delete_nodes) nodes_.erase(name);
    for (const EventRecord& e : w.events) {
      EventRecord copy = e;
      copy.seq = ++last_seq_;
      events_.push_back(std::move(copy));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<StoreSnapshot> Load() const override {
    absl::MutexLock lock(&mu_);
    StoreSnapshot snap;
    for (const auto& [id, j] : jobs_) snap.jobs.push_back(j);
    for (const auto& [id, b] : bindings_) snap.bindings.push_back(b);
    for (const auto& [name, n] : nodes_) snap.nodes.push_back(n);
    snap.last_event_seq = last_seq_;
    return snap;
  }

  absl::StatusOr<std::vector<EventRecord>> Events(int64_t after_seq, int limit) const override {
    absl::MutexLock lock(&mu_);
    std::vector<EventRecord> out;
    for (const EventRecord& e : events_) {
      if (e.seq <= after_seq) continue;
      if (static_cast<int>(out.size()) >= limit) break;
      out.push_back(e);
    }
    return out;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, v1::JobStatus> jobs_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, BindingRecord> bindings_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, NodeRecord> nodes_ ABSL_GUARDED_BY(mu_);
  std::vector<EventRecord> events_ ABSL_GUARDED_BY(mu_);
  int64_t last_seq_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace

std::unique_ptr<StateStore> NewInMemoryStateStore() {
  return std::make_unique<InMemoryStateStore>();
}

}  // namespace manychip

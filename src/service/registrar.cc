#include "src/service/registrar.h"

#include <utility>

#include "manychip/status.h"

namespace manychip::internal {

void Registrar::MarkJob(const std::string& id, std::string reason) {
  jobs_.insert(id);
  notify_[id] = std::move(reason);
}

void Registrar::AddEvent(std::string kind, std::string subject, std::string detail,
                         v1::EventRefs refs) {
  events_.push_back({.seq = 0,
                     .unix_ms = absl::ToUnixMillis(clock_.Now()),
                     .kind = std::move(kind),
                     .subject = std::move(subject),
                     .detail = std::move(detail),
                     .refs = std::move(refs)});
}

void Registrar::Send(const std::string& node, v1::ControllerMessage msg) {
  sends_.emplace_back(node, std::move(msg));
}

void Registrar::ForgetJob(const std::string& id) {
  jobs_.erase(id);
  notify_.erase(id);
  std::erase_if(events_, [&](const EventRecord& e) {
    return e.subject == id || e.refs.job().job_id() == id;
  });
}

bool Registrar::pending() const {
  return !jobs_.empty() || !tasks_.empty() || !nodes_.empty() || !events_.empty() ||
         !sends_.empty() || !notify_.empty();
}

absl::StatusOr<Registrar::Released> Registrar::Flush(const Source& source) {
  StoreWrite w;
  for (const std::string& id : jobs_) {
    if (auto job = source.JobRecord(id)) w.put_jobs.push_back(*std::move(job));
  }
  for (const std::string& tid : tasks_) {
    if (auto b = source.BindingRecordOf(tid)) w.put_bindings.push_back(*std::move(b));
  }
  for (const std::string& name : nodes_) {
    if (auto n = source.NodeRecordOf(name)) w.put_nodes.push_back(*std::move(n));
  }
  w.events = events_;
  if (!w.empty()) MC_RETURN_IF_ERROR(store_.Write(w));
  jobs_.clear();
  tasks_.clear();
  nodes_.clear();
  Released out;
  out.events = std::move(events_);
  events_.clear();
  for (EventRecord& e : out.events) e.seq = ++last_event_seq_;
  out.sends = std::move(sends_);
  sends_.clear();
  out.notify = std::move(notify_);
  notify_.clear();
  return out;
}

}  // namespace manychip::internal

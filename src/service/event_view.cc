#include "src/service/event_view.h"

#include "absl/strings/str_cat.h"

namespace manychip::internal {
namespace {

void Redact(v1::EventJob* job) {
  job->clear_job_id();
  job->clear_tenant();
}

std::string DescribeJob(const v1::EventJob& j) {
  const std::string extra = j.gang_hold() ? ", gang hold" : "";
  if (j.job_id().empty()) {
    return absl::StrCat("a job of another tenant (priority ", j.priority(), extra, ")");
  }
  return absl::StrCat(j.job_id(), " (tenant ", j.tenant(), ", priority ", j.priority(), extra, ")");
}

v1::EventJob ToEventJob(const PreemptedJob& j) {
  v1::EventJob out;
  out.set_job_id(j.job_id);
  out.set_tenant(j.tenant);
  out.set_priority(j.priority);
  out.set_gang_hold(j.gang_hold);
  return out;
}

}  // namespace

v1::Event EventToProto(const EventRecord& r) {
  v1::Event ev;
  ev.set_seq(r.seq);
  ev.set_unix_ms(r.unix_ms);
  ev.set_kind(r.kind);
  ev.set_subject(r.subject);
  ev.set_detail(r.detail);
  *ev.mutable_refs() = r.refs;
  return ev;
}

std::optional<v1::Event> EventForCaller(const Caller& caller, const v1::Event& event) {
  if (caller.admin) return event;
  const auto mine = [&](const v1::EventJob& j) {
    return !j.job_id().empty() && j.tenant() == caller.tenant;
  };
  const v1::EventRefs& refs = event.refs();
  bool visible = refs.has_job() && mine(refs.job());
  visible = visible || (refs.has_preemptor() && mine(refs.preemptor()));
  for (const v1::EventJob& v : refs.victims()) visible = visible || mine(v);
  if (!visible) return std::nullopt;

  v1::Event out = event;
  v1::EventRefs* r = out.mutable_refs();
  bool redacted = false;
  const auto redact_other = [&](v1::EventJob* j) {
    if (!j->job_id().empty() && !mine(*j)) {
      Redact(j);
      redacted = true;
    }
  };
  if (r->has_job()) redact_other(r->mutable_job());
  if (r->has_preemptor()) redact_other(r->mutable_preemptor());
  for (v1::EventJob& v : *r->mutable_victims()) redact_other(&v);
  if (redacted) {
    // Only preemptions name more than one job; their subject is the
    // preemptor and their detail lists the victims, so both are rebuilt.
    if (r->has_preemptor()) {
      out.set_subject(r->preemptor().job_id());
      out.set_detail(PreemptionDetail(*r));
    } else {
      out.clear_subject();
      out.clear_detail();
    }
  }
  return out;
}

bool EventNamesJob(const v1::Event& event, const std::string& job_id) {
  if (job_id.empty()) return true;
  const v1::EventRefs& refs = event.refs();
  if (refs.job().job_id() == job_id || refs.preemptor().job_id() == job_id) return true;
  for (const v1::EventJob& v : refs.victims()) {
    if (v.job_id() == job_id) return true;
  }
  return false;
}

v1::EventRefs PreemptionRefs(const Preemption& p) {
  v1::EventRefs refs;
  *refs.mutable_job() = ToEventJob(p.preemptor);
  *refs.mutable_preemptor() = ToEventJob(p.preemptor);
  for (const PreemptedJob& v : p.victims) *refs.add_victims() = ToEventJob(v);
  return refs;
}

std::string PreemptionDetail(const v1::EventRefs& refs) {
  std::string out = absl::StrCat(DescribeJob(refs.preemptor()), " preempted ");
  for (int i = 0; i < refs.victims_size(); ++i) {
    if (i > 0) absl::StrAppend(&out, ", ");
    absl::StrAppend(&out, DescribeJob(refs.victims(i)));
  }
  return out;
}

}  // namespace manychip::internal

#include "src/service/status_pages.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "manychip/codec/json.h"
#include "manychip/core/explain.h"
#include "manychip/framework/decision.h"
#include "manychip/status.h"
#include "src/service/dashboard_page.h"

namespace manychip::internal {
namespace {

// The reason `manychipctl explain` puts first: the first flavor's most
// counted node reason, else its outcome (quota, backfill: no node counts).
// A gang's "gang incomplete" outcome says less than the node counts do.
std::string FirstReason(const Explanation& e) {
  for (const FlavorExplanation& f : e.flavors) {
    if (!f.reasons.empty()) return std::string(RejectReasonCode(f.reasons.front().first));
    if (f.outcome != RejectReason::kNone) return std::string(RejectReasonCode(f.outcome));
  }
  return "UNKNOWN";
}

void AppendJson(std::string& out, const google::protobuf::Message& m) {
  absl::StatusOr<std::string> json = codec::ToJson(m, /*pretty=*/false);
  absl::StrAppend(&out, json.ok() ? *json : "null");
}

template <class T>
void AppendArray(std::string& out, const char* key, const std::vector<T>& items) {
  absl::StrAppend(&out, "\"", key, "\":[");
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ',';
    AppendJson(out, items[i]);
  }
  out += ']';
}

google::protobuf::Value Number(int64_t v) {
  google::protobuf::Value out;
  out.set_number_value(static_cast<double>(v));
  return out;
}
google::protobuf::Value String(const std::string& v) {
  google::protobuf::Value out;
  out.set_string_value(v);
  return out;
}

HttpResponse Json(std::string body) {
  HttpResponse r;
  r.content_type = "application/json";
  r.body = std::move(body);
  r.headers["Cache-Control"] = "no-store";
  return r;
}

}  // namespace

metrics::ClusterSnapshot TakeSnapshot(const Controller& c, int max_explained) {
  metrics::ClusterSnapshot s;
  Caller admin;
  admin.admin = true;
  s.nodes = c.ListNodes();
  s.jobs = c.ListJobs(admin, v1::JOB_PHASE_UNSPECIFIED, "");
  s.quotas = c.tenant_quotas();
  int explained = 0;
  for (const v1::JobStatus& j : s.jobs) {
    if (j.phase() != v1::PENDING) continue;
    const std::string& id = j.job().id();
    metrics::PendingJob p{.job_id = id, .reason = "NOT_EXAMINED", .queue = "unschedulable"};
    absl::StatusOr<JobView> view = c.scheduler().GetJob(id);
    if (view.ok() && view->attempts == 0) {
      p.reason = "NOT_ATTEMPTED";
      p.queue = "active";
    } else if (explained < max_explained) {
      ++explained;
      if (absl::StatusOr<Explanation> e = c.scheduler().Explain(id); e.ok()) {
        p.reason = FirstReason(*e);
      }
      if (absl::StatusOr<v1::ExplainResponse> r = c.Explain(admin, id); r.ok()) {
        s.explanations.push_back(*std::move(r));
      }
    }
    s.pending.push_back(std::move(p));
  }
  return s;
}

std::string DashboardJson(const Catalog& catalog, const metrics::ClusterSnapshot& s,
                          absl::Time now) {
  std::string out = absl::StrCat("{\"time_unix_ms\":", absl::ToUnixMillis(now), ",");
  AppendArray(out, "nodes", s.nodes);
  out += ',';
  AppendArray(out, "jobs", s.jobs);
  out += ',';
  AppendArray(out, "explanations", s.explanations);
  // The pool and tenant sums are not v1 messages; a protobuf Struct keeps
  // their JSON escaping right.
  google::protobuf::ListValue pool;
  for (const metrics::PoolRow& r : metrics::SummarizePool(catalog, s.nodes, s.jobs)) {
    auto& f = *pool.add_values()->mutable_struct_value()->mutable_fields();
    f["vendor"] = String(r.vendor);
    f["model"] = String(r.model);
    f["arch"] = String(r.arch);
    f["devices"] = Number(r.devices);
    f["capacity_milli"] = Number(r.capacity_milli);
    f["allocated_milli"] = Number(r.allocated_milli);
    f["unhealthy_milli"] = Number(r.unhealthy_milli);
    f["capacity_h20e_milli"] = Number(r.capacity_h20e_milli);
    f["allocated_h20e_milli"] = Number(r.allocated_h20e_milli);
    f["unhealthy_h20e_milli"] = Number(r.unhealthy_h20e_milli);
  }
  absl::StrAppend(&out, ",\"pool\":");
  AppendJson(out, pool);
  google::protobuf::ListValue pending;
  for (const metrics::PendingJob& p : s.pending) {
    auto& f = *pending.add_values()->mutable_struct_value()->mutable_fields();
    f["job_id"] = String(p.job_id);
    f["reason"] = String(p.reason);
    f["queue"] = String(p.queue);
  }
  absl::StrAppend(&out, ",\"pending\":");
  AppendJson(out, pending);
  absl::StrAppend(&out, ",\"reference_model\":");
  AppendJson(out, String(catalog.reference().id));
  out += '}';
  return out;
}

absl::StatusOr<std::shared_ptr<const HttpRouter>> MakeStatusRouter(
    Controller* controller, metrics::DaemonMetrics* metrics) {
  auto router = std::make_shared<HttpRouter>();
  MC_RETURN_IF_ERROR(router->Handle("/healthz", [](const HttpRequest&, HttpReply reply) {
    reply(HttpResponse::Text(200, "ok\n"));
  }));
  MC_RETURN_IF_ERROR(router->Handle("/readyz", [controller](const HttpRequest&, HttpReply reply) {
    controller->Post("http.readyz", [reply] { reply(HttpResponse::Text(200, "ready\n")); });
  }));
  MC_RETURN_IF_ERROR(
      router->Handle("/metrics", [controller, metrics](const HttpRequest&, HttpReply reply) {
        controller->Post("http.metrics", [controller, metrics, reply] {
          metrics::ClusterSnapshot s = TakeSnapshot(*controller, kMaxExplainedPerSnapshot);
          HttpResponse r;
          r.content_type = "text/plain; version=0.0.4; charset=utf-8";
          r.body = metrics->Render(metrics::ClusterFamilies(controller->catalog(), s));
          reply(std::move(r));
        });
      }));
  MC_RETURN_IF_ERROR(
      router->Handle("/api/v1/dashboard", [controller](const HttpRequest&, HttpReply reply) {
        controller->Post("http.dashboard", [controller, reply] {
          metrics::ClusterSnapshot s = TakeSnapshot(*controller, kMaxExplainedPerSnapshot);
          reply(Json(DashboardJson(controller->catalog(), s, absl::Now())));
        });
      }));
  MC_RETURN_IF_ERROR(router->Handle("/", [](const HttpRequest&, HttpReply reply) {
    HttpResponse r;
    r.content_type = "text/html; charset=utf-8";
    r.body = std::string(DashboardHtml());
    reply(std::move(r));
  }));
  return std::shared_ptr<const HttpRouter>(std::move(router));
}

}  // namespace manychip::internal

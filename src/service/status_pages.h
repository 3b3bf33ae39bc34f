#pragma once

// The pages manychipd serves on --http_listen (docs/operations.md):
//   /metrics            Prometheus text format (DaemonMetrics + cluster gauges)
//   /healthz            200 while the process serves HTTP
//   /readyz             200 once the controller thread answers a post
//   /                   the dashboard (one HTML page, embedded in the binary)
//   /api/v1/dashboard   what the dashboard polls: the v1 messages as protobuf
//                       JSON plus the pool summed by vendor, model and arch
// Handlers never touch controller state from the HTTP thread: they post to
// the controller, which copies a ClusterSnapshot and answers from there.
//
// Ownership: the router keeps `controller` and `metrics` as raw pointers;
// both must outlive the HttpServer that serves it.

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "manychip/core/catalog.h"
#include "src/metrics/cluster_metrics.h"
#include "src/metrics/daemon_metrics.h"
#include "src/service/controller.h"
#include "src/service/http_router.h"

namespace manychip::internal {

// Pending jobs explained per snapshot; the rest count as NOT_EXAMINED.
// An explain recounts reasons over every node, on the controller thread.
inline constexpr int kMaxExplainedPerSnapshot = 32;

// Controller thread only.
metrics::ClusterSnapshot TakeSnapshot(const Controller& controller, int max_explained);

// The /api/v1/dashboard body.
std::string DashboardJson(const Catalog& catalog, const metrics::ClusterSnapshot& snapshot,
                          absl::Time now);

absl::StatusOr<std::shared_ptr<const HttpRouter>> MakeStatusRouter(Controller* controller,
                                                                   metrics::DaemonMetrics* metrics);

}  // namespace manychip::internal

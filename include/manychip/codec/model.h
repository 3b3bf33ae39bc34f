#pragma once

// Validated conversion between the v1 proto messages (types.proto, read from
// JSON files or the wire) and the core model types (catalog.h, node.h, job.h).
//
// This is the first line of defence: every function here either returns a
// fully valid core value or an `InvalidArgument` whose message starts with
// the exact field path and states the reason, e.g.
//   task_groups[1].flavors[0].demand.milli_devices: must be a multiple of 1000 (whole cards) when
//   >= 1000, got 1500
// Nothing is silently fixed, clamped or rounded. Maps in the input are
// checked in sorted key order, so the same bad input always yields the same
// message.
//
// Thread-safety: free functions without shared state; safe from any thread.
// The returned values own all their data (model references are catalog
// indexes, valid for the catalog passed in).
//
//   MC_ASSIGN_OR_RETURN(Catalog catalog, codec::LoadCatalogFile("devices.json"));
//   MC_ASSIGN_OR_RETURN(JobSpec job, codec::LoadJobFile("train.json", catalog));
//   v1::Job wire = codec::JobToProto(job, catalog);   // for the store or an RPC
//
// Rules (what a valid input is)
// -----------------------------
// Names. Ids (job id, tenant, node name, task group and flavor names, node
// group prefixes) match [a-z0-9][a-z0-9._-]{0,62}. A job id may be empty on
// submit (the server assigns one); the tenant may not.
//
// Catalog. Model ids match the id rule; vendor keys are lower-case
// [a-z0-9-]+. A figure that is present has a value > 0, a `source` and a
// `confidence`; a figure that is not known is omitted, never written as 0.
// PCI ids are 4 lower-case hex digits; device ids need a vendor id.
// Partition profiles have a unique name, a kind, 1..1000 milli-devices and no
// more memory than the model. Host arches are normalized (ParseArch). A model
// whose training factor cannot be derived (no bf16/fp16 figure) or whose
// inference factor cannot be derived (no memory bandwidth) must give it
// explicitly, so no model is silently counted as one reference card.
//
// Node. `arch` is required (aliases such as amd64/arm64 are normalized);
// cpu_milli and memory_mib > 0. Devices carry indexes 0..n-1 (any order in
// the input, each exactly once; the result is sorted by index), a model that
// resolves in the catalog (aliases such as "NVIDIA H20" or "910B3" accepted),
// memory_mib >= 0 (0 = the catalog's figure; the catalog must then know it),
// numa_node >= -1, unique non-empty uuids, links to another existing device
// at most once per peer, symmetric (if 0 lists 3, 3 lists 0 with the same
// class and lanes). physical_id: absent means "same as index" (-1 in
// DeviceSpec, and NodeToProto leaves it out again); a present value, 0
// included, is taken literally and must be >= 0. Physical ids are per vendor
// (/dev/davinci0 and /dev/xpu0 on one host): among the devices of one catalog
// vendor, the effective ids (the literal one, else the index) must be unique.
// Taint effect is "" or "NoSchedule" (hard) or "PreferNoSchedule" (soft).
// Label, software and topology keys/entries are non-empty.
//
// Cluster. node_groups expand to `<prefix>-0000`, `<prefix>-0001`, ...
// (count 1..100000, at least four digits); node names are unique across
// `nodes` and all groups. Tenant quotas: unique tenants, keys `cpu`,
// `memory`, `devices`, `h20e`, `device:<model>` (must resolve),
// `vendor:<vendor>` (must be a catalog vendor); amounts >= 0;
// guaranteed <= max where both are given; weight >= 0.
//
// Job.
//  - kind is required (TRAINING, INFERENCE or BATCH); priority in
//    [-1000, 1000]; duration_seconds >= 0; at least one task group, at most 64.
//  - `inference` may only be set for INFERENCE jobs, which need
//    latency_slo_ms >= 0 (0 = no SLO) and 0 <= min_replicas <= the replicas of every flavor.
//  - accepted_arches are normalized; duplicates (also amd64 + x86_64) are
//    rejected. An empty list means any arch.
//  - A task group either lists `flavors` or uses its own replicas / demand /
//    device_models / images, which become one flavor named "default"; giving
//    both is rejected. Group-level `required_stacks` apply to every flavor.
//  - Flavor: replicas in 1..65536; device models resolve (aliases allowed),
//    are unique, sorted into catalog order in the result. Demand:
//    milli_devices 0 = CPU-only (then device_models must be empty and
//    cpu_milli > 0), 1..999 a share of one card, >= 1000 a multiple of 1000,
//    at most 64 cards; negative values are rejected. device_memory_mib must
//    fit every accepted model's memory (for a share: in one card). The
//    group's total (replicas x milli_devices) must not overflow.
//  - Images: arch normalized and in accepted_arches when that is set; vendor
//    empty only for CPU-only flavors, otherwise a vendor of the flavor's
//    models; ref non-empty; one image per (arch, vendor); when images are
//    given every vendor of the flavor's models needs one.
//  - When accepted_arches is set, each accepted device model must have a
//    stack for one of them (the catalog's host_arches, where known).
//  - Stacks: name [a-z0-9._-]+, min_version non-empty, unique per flavor.
//  - min_available 0 = all replicas (of the chosen flavor); otherwise in
//    1..replicas of every flavor without its own. A flavor's min_available
//    (0 = the group's) must be in 0..its replicas and wins over the group's.
//  - expected_throughput >= 0, given for every flavor of a group or for
//    none; labels and toleration keys non-empty.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "manychip/core/catalog.h"
#include "manychip/core/job.h"
#include "manychip/core/node.h"
#include "manychip/core/quota.h"
#include "manychip/v1/types.pb.h"

namespace manychip {

// A tenant's quota as the cluster file gives it (TenantQuotaSpec, defined by
// the core in manychip/core/quota.h). Keys are described above.

// A validated cluster file: nodes (groups expanded) and tenant quotas.
struct ClusterSpec {
  std::string name;
  std::vector<NodeSpec> nodes;
  std::vector<TenantQuotaSpec> tenants;
};

namespace codec {

// The id rule above: [a-z0-9][a-z0-9._-]{0,62}.
bool IsValidId(absl::string_view id);

// ---- catalog ----------------------------------------------------------------

absl::StatusOr<Catalog> CatalogFromProto(const v1::Catalog& proto);
// Reads a v1::Catalog JSON file and validates it. NotFound if absent.
absl::StatusOr<Catalog> LoadCatalogFile(const std::string& path);

// ---- nodes and clusters -----------------------------------------------------

// `path_prefix` is prepended to field paths in errors, e.g. "nodes[3]." so a
// cluster file reports `nodes[3].devices[2].model: ...`.
absl::StatusOr<NodeSpec> NodeFromProto(const v1::Node& proto, const Catalog& catalog,
                                       absl::string_view path_prefix = "");
v1::Node NodeToProto(const NodeSpec& node, const Catalog& catalog);
absl::StatusOr<NodeSpec> LoadNodeFile(const std::string& path, const Catalog& catalog);

absl::StatusOr<ClusterSpec> ClusterFromProto(const v1::Cluster& proto, const Catalog& catalog);
absl::StatusOr<ClusterSpec> LoadClusterFile(const std::string& path, const Catalog& catalog);

// ---- jobs -------------------------------------------------------------------

absl::StatusOr<JobSpec> JobFromProto(const v1::Job& proto, const Catalog& catalog);
// Always writes explicit flavors (an implicit one as "default") and the
// resolved min_available, so JobFromProto(JobToProto(j)) gives j back.
v1::Job JobToProto(const JobSpec& job, const Catalog& catalog);
absl::StatusOr<JobSpec> LoadJobFile(const std::string& path, const Catalog& catalog);

}  // namespace codec
}  // namespace manychip

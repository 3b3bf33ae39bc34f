#pragma once

// Agent-side discovery: the running host (its arch's HostAdapter) plus every
// registered device adapter's Discover, merged into one NodeSpec. This is
// what `manychip-agent --discover --dry-run [--sysfs-root DIR]` prints.
//
// Devices of all vendors are renumbered 0..n-1 in registration order; a
// device moved by that keeps its vendor id in physical_id, and its links are
// shifted with it. The board is the single vendor's board; a node with
// devices of several vendors gets no board (no cross-vendor link rules).
// A host without accelerators is a node with no devices, not an error; a
// vendor tool whose output cannot be parsed is an error naming the vendor.
// Devices of a model whose catalog `host_arches` do not include the host's
// arch are kept and logged (StackWarnings): the catalog says where a
// vendor's stack ships.
//
//   AdapterRegistry registry;
//   MC_RETURN_IF_ERROR(RegisterBuiltinAdapters(registry));
//   MC_ASSIGN_OR_RETURN(NodeSpec node,
//                       DiscoverNode(registry, catalog, {}, {}, "node-1"));
//
// Thread-safety: runs tools and reads files; call from one thread.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "manychip/adapters/adapter_registry.h"
#include "manychip/core/catalog.h"
#include "manychip/core/node.h"

namespace manychip {

absl::StatusOr<NodeSpec> DiscoverNode(const AdapterRegistry& registry, const Catalog& catalog,
                                      const DiscoverOptions& device_options,
                                      const HostProbeOptions& host_options, std::string node_name);

// One message per device model on `node` whose catalog entry lists
// host_arches without the node's arch ("2 acme-a1 devices on a riscv64 host:
// the catalog ships its stack for x86_64"); models without host_arches and
// devices without a model give none.
std::vector<std::string> StackWarnings(const NodeSpec& node, const Catalog& catalog);

}  // namespace manychip

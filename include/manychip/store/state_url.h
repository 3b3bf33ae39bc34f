#pragma once

// The `--state` value: where manychipd keeps its state.
//
//   FILE                                   a SQLite file (the default)
//   :memory:                               memory only, gone at exit
//   etcd://HOST:PORT[,HOST:PORT...][/PREFIX][?max_txn_ops=N&max_request_bytes=N]
//                                          an etcd v3 cluster; PREFIX defaults
//                                          to /manychip, the limits to etcd's
//                                          defaults (128 ops, 1.5 MiB)
//
// Anything of the form SCHEME://... is a URL; an unknown scheme or a
// malformed etcd URL is InvalidArgument naming what is wrong.
//
//   MC_ASSIGN_OR_RETURN(std::unique_ptr<StateStore> store,
//                       OpenStateStore("etcd://10.0.0.1:2379,10.0.0.2:2379/prod"));

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "manychip/store/etcd_state_store.h"
#include "manychip/store/state_store.h"

namespace manychip {

struct StateLocation {
  enum class Kind { kSqlite, kMemory, kEtcd };
  Kind kind = Kind::kSqlite;
  std::string path;       // kSqlite: the file
  EtcdStoreOptions etcd;  // kEtcd: endpoints, prefix, limits
};

absl::StatusOr<StateLocation> ParseStateUrl(absl::string_view url);

// Parses `url` and opens the store it names.
absl::StatusOr<std::unique_ptr<StateStore>> OpenStateStore(absl::string_view url);

}  // namespace manychip

#pragma once

// Real etcd servers for tests: one member or a cluster of several on
// loopback, each with a temp data dir and free client and peer ports, started
// and waited for (a KV Range answers) with a deadline, killed and removed
// when the object goes away. The etcd binary comes from $MANYCHIP_ETCD or
// PATH; without one Start fails with a message saying how to install it
// (tests must fail then, not skip: CI installs etcd-server).
//
//   MC_ASSIGN_OR_RETURN(std::unique_ptr<EtcdCluster> etcd, EtcdCluster::Start(1));
//   std::string url = absl::StrCat("etcd://", etcd->endpoints_text(), "/test");
//
// Thread-safety: not thread-safe; owned by one test.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "tests/testing/child_process.h"

namespace manychip::testing {

struct EtcdOptions {
  // Appended to every member's command line, e.g. "--max-txn-ops=16".
  std::vector<std::string> extra_flags;
  absl::Duration start_timeout = absl::Seconds(30);
};

class EtcdCluster {
 public:
  // Starts `members` members as one new cluster and waits until each answers.
  static absl::StatusOr<std::unique_ptr<EtcdCluster>> Start(int members, EtcdOptions options = {});
  ~EtcdCluster();
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  int size() const { return static_cast<int>(members_.size()); }
  // "127.0.0.1:PORT" of member `i`'s client URL.
  std::string endpoint(int i) const;
  // Every member's endpoint, comma-separated: the HOST:PORT list of an etcd:// URL.
  std::string endpoints_text() const;

  // Sends `sig` to member `i` and reaps it (SIGKILL for a crash).
  void Kill(int i, int sig);
  // Starts member `i` again on its data dir and ports; waits until it answers
  // (which needs a quorum of members up).
  absl::Status Restart(int i);
  bool running(int i);
  const std::string& log(int i) const;

 private:
  struct Member {
    std::string name;
    int client_port = 0;
    int peer_port = 0;
    std::string data_dir;
    std::string log;
    std::unique_ptr<Process> process;
  };
  EtcdCluster() = default;
  absl::Status Spawn(Member& m, bool initial);
  absl::Status WaitReady(Member& m, absl::Time deadline);

  std::string binary_;
  std::string dir_;
  std::string initial_cluster_;
  EtcdOptions options_;
  std::vector<Member> members_;
};

}  // namespace manychip::testing

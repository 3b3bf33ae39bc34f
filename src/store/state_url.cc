// Parses `--state` into a StateLocation and opens the store it names.

#include "manychip/store/state_url.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "manychip/status.h"

namespace manychip {
namespace {

absl::Status Bad(absl::string_view url, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("--state \"", url, "\": ", why));
}

// "host:port" or "[v6]:port"; returns the endpoint as gRPC dials it.
absl::StatusOr<std::string> ParseEndpoint(absl::string_view url, absl::string_view ep) {
  if (ep.empty()) return Bad(url, "empty endpoint in the HOST:PORT list");
  absl::string_view host;
  absl::string_view port;
  if (ep.front() == '[') {
    const size_t close = ep.find(']');
    if (close == absl::string_view::npos) {
      return Bad(url, absl::StrCat("endpoint \"", ep, "\": '[' without ']'"));
    }
    host = ep.substr(1, close - 1);
    absl::string_view rest = ep.substr(close + 1);
    if (rest.empty() || rest.front() != ':') {
      return Bad(url, absl::StrCat("endpoint \"", ep, "\": missing :PORT"));
    }
    port = rest.substr(1);
  } else {
    const size_t colon = ep.rfind(':');
    if (colon == absl::string_view::npos) {
      return Bad(url, absl::StrCat("endpoint \"", ep, "\": missing :PORT"));
    }
    host = ep.substr(0, colon);
    port = ep.substr(colon + 1);
    if (host.find(':') != absl::string_view::npos) {
      return Bad(url, absl::StrCat("endpoint \"", ep, "\": an IPv6 host goes in brackets"));
    }
  }
  if (host.empty()) return Bad(url, absl::StrCat("endpoint \"", ep, "\": empty host"));
  for (char c : host) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '-' && c != '_' && c != ':') {
      return Bad(url, absl::StrCat("endpoint \"", ep, "\": bad character '", std::string(1, c),
                                   "' in the host"));
    }
  }
  int p = 0;
  if (port.empty() || !absl::SimpleAtoi(port, &p) || p < 1 || p > 65535 ||
      port.find_first_not_of("0123456789") != absl::string_view::npos) {
    return Bad(url,
               absl::StrCat("endpoint \"", ep, "\": port must be 1..65535, got \"", port, "\""));
  }
  return std::string(ep);
}

absl::Status ParseQuery(absl::string_view url, absl::string_view query, EtcdStoreOptions& o) {
  for (absl::string_view kv : absl::StrSplit(query, '&')) {
    const size_t eq = kv.find('=');
    if (eq == absl::string_view::npos) {
      return Bad(url, absl::StrCat("option \"", kv, "\": expected NAME=VALUE"));
    }
    const absl::string_view name = kv.substr(0, eq);
    const absl::string_view value = kv.substr(eq + 1);
    int64_t v = 0;
    if (name == "max_txn_ops") {
      if (!absl::SimpleAtoi(value, &v) || v < 2 || v > 1'000'000) {
        return Bad(url, absl::StrCat("max_txn_ops: must be 2..1000000, got \"", value, "\""));
      }
      o.max_txn_ops = static_cast<int>(v);
    } else if (name == "max_request_bytes") {
      if (!absl::SimpleAtoi(value, &v) || v < 4096 || v > (int64_t{1} << 31)) {
        return Bad(url, absl::StrCat("max_request_bytes: must be 4096..2^31, got \"", value, "\""));
      }
      o.max_request_bytes = v;
    } else {
      return Bad(url, absl::StrCat("unknown option \"", name,
                                   "\" (known: max_txn_ops, max_request_bytes)"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<EtcdStoreOptions> ParseEtcd(absl::string_view url, absl::string_view rest) {
  EtcdStoreOptions o;
  absl::string_view query;
  if (const size_t q = rest.find('?'); q != absl::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    if (query.empty()) return Bad(url, "empty option list after '?'");
  }
  absl::string_view hosts = rest;
  if (const size_t slash = rest.find('/'); slash != absl::string_view::npos) {
    hosts = rest.substr(0, slash);
    const absl::string_view prefix = rest.substr(slash);
    if (prefix.size() == 1) return Bad(url, "empty PREFIX after '/'");
    if (prefix.back() == '/') return Bad(url, "PREFIX must not end with '/'");
    if (prefix.find("//") != absl::string_view::npos) {
      return Bad(url, "PREFIX has an empty path segment (\"//\")");
    }
    for (char c : prefix) {
      if (!absl::ascii_isgraph(c)) return Bad(url, "PREFIX has a space or control character");
    }
    o.prefix = std::string(prefix);
  }
  if (hosts.empty()) return Bad(url, "no HOST:PORT after etcd://");
  for (absl::string_view ep : absl::StrSplit(hosts, ',')) {
    MC_ASSIGN_OR_RETURN(std::string e, ParseEndpoint(url, ep));
    o.endpoints.push_back(std::move(e));
  }
  if (!query.empty()) MC_RETURN_IF_ERROR(ParseQuery(url, query, o));
  return o;
}

}  // namespace

absl::StatusOr<StateLocation> ParseStateUrl(absl::string_view url) {
  StateLocation loc;
  if (url.empty()) return absl::InvalidArgumentError("--state: must not be empty");
  if (url == ":memory:") {
    loc.kind = StateLocation::Kind::kMemory;
    return loc;
  }
  const size_t sep = url.find("://");
  if (sep != absl::string_view::npos) {
    const absl::string_view scheme = url.substr(0, sep);
    const bool is_scheme =
        !scheme.empty() && absl::ascii_isalpha(scheme.front()) &&
        scheme.find_first_not_of(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-") ==
            absl::string_view::npos;
    if (is_scheme) {
      if (absl::AsciiStrToLower(scheme) != "etcd") {
        return Bad(url, absl::StrCat("unknown scheme \"", scheme,
                                     "\"; use a file path, :memory: or etcd://HOST:PORT"));
      }
      loc.kind = StateLocation::Kind::kEtcd;
      MC_ASSIGN_OR_RETURN(loc.etcd, ParseEtcd(url, url.substr(sep + 3)));
      return loc;
    }
  }
  loc.kind = StateLocation::Kind::kSqlite;
  loc.path = std::string(url);
  return loc;
}

absl::StatusOr<std::unique_ptr<StateStore>> OpenStateStore(absl::string_view url) {
  MC_ASSIGN_OR_RETURN(StateLocation loc, ParseStateUrl(url));
  switch (loc.kind) {
    case StateLocation::Kind::kMemory:
      return NewInMemoryStateStore();
    case StateLocation::Kind::kEtcd:
      return OpenEtcdStateStore(std::move(loc.etcd));
    case StateLocation::Kind::kSqlite:
      break;
  }
  return OpenSqliteStateStore(loc.path);
}

}  // namespace manychip

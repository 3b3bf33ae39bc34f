#pragma once

// JSON <-> proto for manychip's files and wire messages, through protobuf's
// JSON util. Unknown fields are rejected: a misspelt key in a job file is an
// error naming it, never a silently ignored setting.
//
//   v1::Job job;
//   MC_RETURN_IF_ERROR(codec::ParseJson(text, "job.json", &job));

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace manychip::codec {

// Parses `json` into `message`. InvalidArgument names `what` (a file name or
// "request") and the parser's reason, e.g.
// `job.json: invalid JSON: task_groups[0].replicas: invalid value "x" for type TYPE_INT32`.
absl::Status ParseJson(absl::string_view json, absl::string_view what,
                       google::protobuf::Message* message);

// Reads a whole file and parses it. NotFound if the file does not exist.
absl::Status ReadJsonFile(const std::string& path, google::protobuf::Message* message);

// Prints `message` as JSON with the proto field names (snake_case), for files
// and `-o json` output.
absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message, bool pretty = true);

// Reads a whole file. NotFound or Unavailable (I/O) with the path.
absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace manychip::codec

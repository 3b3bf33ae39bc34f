/*
 * manychip_adapter.h: the stable C ABI for third-party device adapters.
 *
 * A vendor ships a shared object exporting ONE symbol,
 * `manychip_device_adapter_get`, which returns a versioned table of C
 * function pointers (the PJRT / LevelDB c.h pattern). No C++ type crosses the
 * boundary: strings are pointer + length, rich data (inventories, choose
 * requests and answers, visibility) are serialized protobuf messages from
 * proto/manychip/v1/adapter.proto, whose field-evolution rules keep old and
 * new sides compatible. Pure C99; include it from C or C++.
 *
 * Versioning. MC_ADAPTER_ABI_MAJOR changes only for incompatible changes; the
 * host refuses a table whose abi_major differs (FailedPrecondition naming
 * the file and both versions). MINOR grows when fields are appended to the
 * table; the host trusts `struct_size` to know which fields exist, so a
 * newer adapter works with an older host and vice versa.
 *
 * Errors. A function returns NULL on success or an opaque mc_error* owned by
 * the caller, who reads it with error_code / error_message and releases it
 * with error_destroy. Codes are absl::StatusCode values (MC_CODE_*).
 *
 * Lifetimes. `vendor` is static. Bytes an adapter returns through an
 * `mc_bytes*` out-parameter belong to the adapter until the host passes them
 * to free_bytes. Input bytes are valid only during the call. C++ adapters
 * must not let exceptions escape any function of the table (catch at every
 * entry point and return an MC_CODE_INTERNAL error).
 *
 * Threading. choose, visibility and compare_versions may be called
 * concurrently from several threads; discover is called from one thread.
 *
 * Protobuf in the adapter. The bytes are plain protobuf wire format; encode
 * them any way you like (examples/adapter_so writes them by hand). The .proto
 * files are installed beside the headers (include/manychip/v1/). Do NOT link
 * code generated from them unchanged: the host already registered
 * manychip/v1/types.proto in libprotobuf's process-wide descriptor pool and a
 * second registration, run by the .so's static initialisers at dlopen, aborts
 * the host ("File already exists in database: manychip/v1/types.proto").
 * Generate your own copy instead: copy types.proto and adapter.proto, rename
 * `package manychip.v1;` and the `import "manychip/v1/..."` paths to your own
 * (e.g. acme.v1, "acme/v1/..."), and build the .so with hidden visibility.
 * Field numbers, hence the wire format, are unchanged, so the host reads your
 * messages as its own. tests/adapter_proto_copy builds both kinds of .so and
 * loads each into a host that links the messages.
 *
 *   MC_ADAPTER_EXPORT const mc_device_adapter* manychip_device_adapter_get(
 *       uint32_t host_abi_major) {
 *     static const mc_device_adapter table = {sizeof(mc_device_adapter),
 *         MC_ADAPTER_ABI_MAJOR, MC_ADAPTER_ABI_MINOR, NULL, {"acme", 4}, ...};
 *     return host_abi_major == MC_ADAPTER_ABI_MAJOR ? &table : NULL;
 *   }
 *
 * A complete example lives in examples/adapter_so/.
 */
#ifndef MANYCHIP_ADAPTERS_C_API_MANYCHIP_ADAPTER_H_
#define MANYCHIP_ADAPTERS_C_API_MANYCHIP_ADAPTER_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MC_ADAPTER_ABI_MAJOR 1u
#define MC_ADAPTER_ABI_MINOR 0u
#define MC_ADAPTER_ENTRY_SYMBOL "manychip_device_adapter_get"

#if defined(__GNUC__)
#define MC_ADAPTER_EXPORT __attribute__((visibility("default")))
#else
#define MC_ADAPTER_EXPORT
#endif

/* absl::StatusCode values. */
#define MC_CODE_OK 0
#define MC_CODE_INVALID_ARGUMENT 3
#define MC_CODE_NOT_FOUND 5
#define MC_CODE_FAILED_PRECONDITION 9
#define MC_CODE_UNIMPLEMENTED 12
#define MC_CODE_INTERNAL 13
#define MC_CODE_UNAVAILABLE 14

/* Why choose found no legal set: AdapterChooseResponse.failure when ok is
 * false (the AdapterChooseFailure enum of adapter.proto, and
 * manychip::ChooseFailure in C++). Fixed numbers: never renumbered, new
 * reasons are appended. The host reads an unknown number as UNSUPPORTED. */
#define MC_CHOOSE_FAILURE_NONE 0
#define MC_CHOOSE_FAILURE_INSUFFICIENT_DEVICES 1 /* fewer free healthy devices */
#define MC_CHOOSE_FAILURE_ILLEGAL_COUNT 2        /* the board never gives this many */
#define MC_CHOOSE_FAILURE_NO_LEGAL_GROUP 3       /* enough free, none connected */
#define MC_CHOOSE_FAILURE_INSUFFICIENT_MEMORY 4  /* no device has the memory */
#define MC_CHOOSE_FAILURE_UNSUPPORTED 5          /* e.g. shares where none exist */

typedef struct mc_error mc_error; /* opaque, adapter-defined */

typedef struct mc_bytes {
  const char* data;
  size_t size;
} mc_bytes;

typedef struct mc_device_adapter {
  /* sizeof(mc_device_adapter) as the adapter was compiled: always first. */
  size_t struct_size;
  uint32_t abi_major;
  uint32_t abi_minor;
  void* self;      /* passed back to every function */
  mc_bytes vendor; /* vendor key, e.g. "acme"; static lifetime */

  /* Agent side. in: AdapterDiscoverRequest; out: AdapterDiscoverResponse. */
  mc_error* (*discover)(void* self, mc_bytes request_pb, mc_bytes* response_pb_out);
  /* Scheduler hot path. in: AdapterChooseRequest; out: AdapterChooseResponse.
   * "Does not fit" is a response with ok = false, not an error. */
  mc_error* (*choose)(void* self, mc_bytes request_pb, mc_bytes* response_pb_out);
  /* in: AdapterVisibilityRequest; out: AdapterVisibilityResponse. */
  mc_error* (*visibility)(void* self, mc_bytes request_pb, mc_bytes* response_pb_out);
  /* *result_out: <0, 0, >0. MC_CODE_INVALID_ARGUMENT on a malformed version. */
  mc_error* (*compare_versions)(void* self, mc_bytes stack, mc_bytes a, mc_bytes b,
                                int32_t* result_out);
  void (*free_bytes)(void* self, mc_bytes bytes);

  int32_t (*error_code)(const mc_error* error);
  mc_bytes (*error_message)(const mc_error* error); /* valid until error_destroy */
  void (*error_destroy)(mc_error* error);

  /* Called once when the host unloads the adapter. May be NULL. */
  void (*destroy)(void* self);
  /* ABI 1.1+ fields go below this line. */
} mc_device_adapter;

/* The one exported entry point. Returns NULL if the adapter cannot serve
 * the host's ABI major version. The table must outlive the library. */
typedef const mc_device_adapter* (*mc_device_adapter_get_fn)(uint32_t host_abi_major);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* MANYCHIP_ADAPTERS_C_API_MANYCHIP_ADAPTER_H_ */

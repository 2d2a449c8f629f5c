// Translation between the heap's object-level structs
// (heap/objects/object_heap.h) and heapd.v1 messages: object types, finalizers,
// allocation results, Inspect's ObjectInfo, collection results and the
// collector's config.
//
// Requests arrive as protobuf and may carry enum values this build does not
// know (proto3 keeps them): every From* function validates and answers
// INVALID_ARGUMENT with a message naming the field, never guesses. The ToProto
// functions are pure and overwrite every field they own.
//
// Example:
//   absl::StatusOr<heapd::objects::AllocateSpec> spec =
//   heapd::server::AllocateSpecFromProto(
//       request.type(), request.length(), request.finalizer(),
//       request.weakref());
#ifndef HEAPD_SERVER_OBJECT_TRANSLATION_H_
#define HEAPD_SERVER_OBJECT_TRANSLATION_H_

#include "absl/status/statusor.h"
#include "heap/objects/object_heap.h"
#include "heap/objects/object_type.h"
#include "proto/heap.pb.h"

namespace heapd::server {

// INVALID_ARGUMENT for OBJECT_TYPE_UNSPECIFIED or a value this build does
// not know.
absl::StatusOr<objects::ObjectType> ObjectTypeFromProto(int type);
v1::ObjectType ToProto(objects::ObjectType type);

// The spec for one Allocate request: type, length (>= 0), finalizer and
// weak reference options. A finalizer with ACTION_UNSPECIFIED is none.
absl::StatusOr<objects::AllocateSpec> AllocateSpecFromProto(
    int type, int64_t length, const v1::Finalizer& finalizer,
    const v1::WeakRefOptions& weakref);

void ToProto(const objects::Allocated& allocated, v1::AllocatedObject* out);
void ToProto(const objects::ObjectInfo& info, v1::ObjectInfo* out);
void ToProto(const objects::CollectResult& result, v1::CollectResponse* out);
void ToProto(const objects::GcConfig& config, v1::GcConfig* out);

// `current` with the fields the request sets replaced.
objects::GcConfig MergeGcConfig(const objects::GcConfig& current,
                                const v1::SetGcConfigRequest& request);

}  // namespace heapd::server

#endif  // HEAPD_SERVER_OBJECT_TRANSLATION_H_

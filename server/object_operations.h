// The object operations shared by the single RPCs (heap_service.cc) and
// Batch (batch_executor.h): each runs one heap call and fills the heapd.v1
// response message the RPC of the same name returns.
//
// Contract: the caller holds the interpreter lock and has resolved the
// session to `owner`. Each function returns the heap's status (or
// INVALID_ARGUMENT for a malformed request) and, on error, leaves its
// response untouched except AllocateObjects, which clears it: an Allocate
// is all or nothing, so the session never keeps references it was not told
// about. No gRPC types here; protobuf messages only.
//
// Example:
//   v1::IncRefResponse response;
//   absl::Status status = heapd::server::IncRefObject(heap, owner, handle,
//   &response);
#ifndef HEAPD_SERVER_OBJECT_OPERATIONS_H_
#define HEAPD_SERVER_OBJECT_OPERATIONS_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "heap/objects/object_heap.h"
#include "proto/heap.pb.h"

namespace heapd::server {

// `count` objects (0 means 1) of one spec. RESOURCE_EXHAUSTED when count
// is over max_count (--max_allocate_count).
absl::Status AllocateObjects(objects::ObjectHeap& heap, objects::OwnerId owner,
                             int type, int64_t length, uint32_t count,
                             const v1::Finalizer& finalizer,
                             const v1::WeakRefOptions& weakref,
                             int64_t max_count, v1::AllocateResponse* out);

absl::Status IncRefObject(objects::ObjectHeap& heap, objects::OwnerId owner,
                          objects::Handle handle, v1::IncRefResponse* out);
absl::Status DecRefObject(objects::ObjectHeap& heap, objects::OwnerId owner,
                          objects::Handle handle, v1::DecRefResponse* out);

// `source.field = target` when `field` is set, `source.append(target)`
// when `append`, `source[index] = target` when `index` is set;
// INVALID_ARGUMENT when no slot is given.
absl::Status LinkObjects(objects::ObjectHeap& heap, objects::Handle source,
                         objects::Handle target, const std::string* field,
                         bool append, std::optional<int64_t> index,
                         v1::LinkResponse* out);

// `del source.field` when `field` is set, `source.remove(item)` when `item`
// is, `del source[index]` when `index` is; INVALID_ARGUMENT when no slot is
// given.
absl::Status UnlinkObjects(objects::ObjectHeap& heap, objects::Handle source,
                           const std::string* field,
                           std::optional<objects::Handle> item,
                           std::optional<int64_t> index,
                           v1::UnlinkResponse* out);

// `x = source.field` when `field` is set, `x = source[index]` when `index`
// is: `owner` takes a new reference to the referent. INVALID_ARGUMENT when
// no slot is given.
absl::Status GetReferentObject(objects::ObjectHeap& heap,
                               objects::OwnerId owner, objects::Handle source,
                               const std::string* field,
                               std::optional<int64_t> index,
                               v1::GetReferentResponse* out);

// weakref.ref(handle), recording a callback event when it is cleared if
// `callback`.
absl::Status CreateWeakRefTo(objects::ObjectHeap& heap, objects::Handle handle,
                             bool callback, v1::CreateWeakRefResponse* out);

// r(): `owner` takes a new reference to the weak reference's referent, or
// the response says it died (handle 0).
absl::Status ReadWeakRefOf(objects::ObjectHeap& heap, objects::OwnerId owner,
                           uint64_t weakref_id, v1::ReadWeakRefResponse* out);

// gc.collect(generation); no generation means 2, a full collection.
absl::Status CollectGeneration(objects::ObjectHeap& heap,
                               std::optional<int32_t> generation,
                               v1::CollectResponse* out);

}  // namespace heapd::server

#endif  // HEAPD_SERVER_OBJECT_OPERATIONS_H_

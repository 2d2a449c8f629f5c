// ExecuteBatch: the operations of one BatchRequest, run in order against the
// heap for one session, each with its own OperationResult.
//
// Contract:
//   - Operations run in order; results[i] is operation i's: its code
//     (google.rpc.Code, 0 = OK), message and the response its single RPC
//     would have returned. Allocate, IncRef, DecRef, Link, Unlink,
//     GetReferent, CreateWeakRef and Collect behave exactly as their single
//     RPCs (object_operations.h), Allocate's --max_allocate_count included;
//     references an operation takes belong to the session.
//   - ObjectRef.result = {op, object} names the object-th object operation
//     `op` allocated, or (object 0) the referent a get_referent took. A
//     reference to the current or a later operation, to one that failed or
//     produced no objects, or past its objects, and an ObjectRef or
//     Operation left unset, fail that operation with INVALID_ARGUMENT.
//   - The batch stops at the first failed operation unless
//     continue_on_error; `skipped` counts the operations never run.
//   - `safe_point` runs between operations (never before the first or after
//     the last): the caller's eval-breaker check, where the lock may be
//     yielded and a scheduled collection run. It returns whether it yielded
//     (counted in lock_yields) or an error, which ends the batch and is
//     returned (the session went away while the lock was yielded). Anything
//     read from the heap is re-read after it: handles are plain numbers.
//   - The batch's size limit is the caller's (CheckBatchSize).
//
// REQUIRES: the caller holds the interpreter lock (except inside
// safe_point) and `owner` is the session's. No gRPC types here.
//
// Example:
//   v1::BatchResponse response;
//   absl::Status status = heapd::server::ExecuteBatch(
//       heap, owner, request, max_allocate_count,
//       [&]() -> absl::StatusOr<bool> { return interp.SafePoint(); },
//       &response);
#ifndef HEAPD_SERVER_BATCH_EXECUTOR_H_
#define HEAPD_SERVER_BATCH_EXECUTOR_H_

#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "heap/objects/object_heap.h"
#include "proto/heap.pb.h"

namespace heapd::server {

// RESOURCE_EXHAUSTED when the request has more than max_batch operations
// (--max_batch); checked before anything runs.
absl::Status CheckBatchSize(const v1::BatchRequest& request, int64_t max_batch);

absl::Status ExecuteBatch(objects::ObjectHeap& heap, objects::OwnerId owner,
                          const v1::BatchRequest& request,
                          int64_t max_allocate_count,
                          absl::FunctionRef<absl::StatusOr<bool>()> safe_point,
                          v1::BatchResponse* out);

}  // namespace heapd::server

#endif  // HEAPD_SERVER_BATCH_EXECUTOR_H_

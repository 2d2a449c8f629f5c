// BatchBuilder: composes a Batch request, in which later operations may name
// the objects earlier ones allocated.
//
// Each Allocate returns an Allocation: the operation's index, from which
// object(i) names the i-th object it will produce (a ResultRef on the wire).
// Anywhere an object is expected, an ObjectRef is accepted: a handle that
// already exists, or such a result. The builder only records operations;
// Session::Execute (or HeapClient::Batch with Build()) sends them, and
// HandleOf reads the handles the allocations produced out of the response.
//
// Not thread-safe; a builder is a value, cheap to copy.
//
// Example: the classic cycle, `a.ref = b; b.ref = a; del a; del b; collect`
//   BatchBuilder batch;
//   Allocation a = batch.Allocate(v1::OBJECT);
//   Allocation b = batch.Allocate(v1::OBJECT);
//   batch.Link(a, b, "ref");
//   batch.Link(b, a, "ref");
//   batch.DecRef(a);
//   batch.DecRef(b);
//   size_t collect = batch.Collect();
//   absl::StatusOr<v1::BatchResponse> response = session.Execute(batch);
//   // response->results(collect).collect().collected() == 2
#ifndef HEAPD_CLIENT_BATCH_BUILDER_H_
#define HEAPD_CLIENT_BATCH_BUILDER_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/heap.pb.h"

namespace heapd::client {

class Allocation;

// An object named in a batch: an existing handle or an earlier result.
class ObjectRef {
 public:
  // An object that already exists.
  ObjectRef(uint64_t handle) { ref_.set_handle(handle); }  // NOLINT: implicit
  // The first object an allocation produces.
  ObjectRef(const Allocation& allocation);  // NOLINT: implicit
  // The `object`-th object operation `op` produces.
  static ObjectRef Result(uint32_t op, uint32_t object);

  const v1::ObjectRef& proto() const { return ref_; }

 private:
  ObjectRef() = default;
  v1::ObjectRef ref_;
};

// An allocate operation of a batch: its index and the objects it yields.
class Allocation {
 public:
  Allocation(uint32_t op, uint32_t count) : op_(op), count_(count) {}
  // The index of the operation in the batch (and of its OperationResult).
  uint32_t op() const { return op_; }
  // How many objects it was asked for.
  uint32_t count() const { return count_; }
  // The i-th object it produces. REQUIRES: i < count().
  ObjectRef object(uint32_t i) const { return ObjectRef::Result(op_, i); }

 private:
  uint32_t op_;
  uint32_t count_;
};

class BatchBuilder {
 public:
  // Appends `count` allocations of `type` (see AllocateRequest). Extra
  // options (finalizer, weak reference) go through the BatchAllocate form.
  Allocation Allocate(v1::ObjectType type, int64_t length = 0,
                      uint32_t count = 1);
  Allocation Allocate(const v1::BatchAllocate& allocate);

  // Each of these appends one operation and returns its index.
  size_t IncRef(const ObjectRef& object);
  size_t DecRef(const ObjectRef& object);
  // source.field = target
  size_t Link(const ObjectRef& source, const ObjectRef& target,
              absl::string_view field);
  // source.append(target)
  size_t Append(const ObjectRef& source, const ObjectRef& target);
  // del source.field
  size_t Unlink(const ObjectRef& source, absl::string_view field);
  // source.remove(item)
  size_t Remove(const ObjectRef& source, const ObjectRef& item);
  // source[index] = target (a list; negative counts from the end)
  size_t SetItem(const ObjectRef& source, int64_t index,
                 const ObjectRef& target);
  // del source[index]
  size_t DeleteItem(const ObjectRef& source, int64_t index);
  // x = source.field, the session taking a new reference to the referent;
  // ObjectRef::Result(op, 0) names it in later operations.
  size_t GetField(const ObjectRef& source, absl::string_view field);
  // x = source[index] (a list or a tuple), as GetField.
  size_t GetItem(const ObjectRef& source, int64_t index);
  // weakref.ref(object); `callback` records an event when it is cleared.
  size_t CreateWeakRef(const ObjectRef& object, bool callback = false);
  // gc.collect(generation); none: a full collection.
  size_t Collect(std::optional<int> generation = std::nullopt);

  // Operations so far.
  size_t size() const { return operations_.size(); }
  bool empty() const { return operations_.empty(); }
  void Clear() { operations_.clear(); }

  // The request for `session_id`.
  v1::BatchRequest Build(absl::string_view session_id,
                         bool continue_on_error = false) const;

 private:
  size_t Push(v1::Operation operation);

  std::vector<v1::Operation> operations_;
};

// The handle of the `object`-th object `allocation` produced in `response`.
// FAILED_PRECONDITION if that operation did not run or failed (its message
// says why), OUT_OF_RANGE past its objects.
absl::StatusOr<uint64_t> HandleOf(const v1::BatchResponse& response,
                                  const Allocation& allocation,
                                  uint32_t object = 0);

}  // namespace heapd::client

#endif  // HEAPD_CLIENT_BATCH_BUILDER_H_

// Builders for BatchRequest operations, for the integration tests that send
// batches (batch_integration_test, bad_input_integration_test).
//
// Example:
//   v1::BatchRequest batch;
//   AddAllocate(&batch, v1::OBJECT, 2);                        // op 0
//   AddLinkField(&batch, Result(0, 0), Result(0, 1), "ref");  // a.ref = b
//   AddDecRef(&batch, Result(0, 0));
#ifndef HEAPD_TESTS_BATCH_REQUEST_BUILDERS_H_
#define HEAPD_TESTS_BATCH_REQUEST_BUILDERS_H_

#include <cstdint>
#include <string>

#include "proto/heap.pb.h"

namespace heapd {

// A reference to an object by its handle.
inline v1::ObjectRef Handle(uint64_t handle) {
  v1::ObjectRef ref;
  ref.set_handle(handle);
  return ref;
}

// The `object`-th object that operation `op` of the same batch allocated.
inline v1::ObjectRef Result(uint32_t op, uint32_t object) {
  v1::ObjectRef ref;
  ref.mutable_result()->set_op(op);
  ref.mutable_result()->set_object(object);
  return ref;
}

inline void AddAllocate(v1::BatchRequest* batch, v1::ObjectType type,
                        uint32_t count, int64_t length = 0) {
  v1::BatchAllocate* allocate = batch->add_operations()->mutable_allocate();
  allocate->set_type(type);
  allocate->set_count(count);
  allocate->set_length(length);
}

inline void AddIncRef(v1::BatchRequest* batch, const v1::ObjectRef& ref) {
  *batch->add_operations()->mutable_incref()->mutable_object() = ref;
}

inline void AddDecRef(v1::BatchRequest* batch, const v1::ObjectRef& ref) {
  *batch->add_operations()->mutable_decref()->mutable_object() = ref;
}

inline void AddLinkField(v1::BatchRequest* batch, const v1::ObjectRef& source,
                         const v1::ObjectRef& target,
                         const std::string& field) {
  v1::BatchLink* link = batch->add_operations()->mutable_link();
  *link->mutable_source() = source;
  *link->mutable_target() = target;
  link->set_field(field);
}

inline void AddAppend(v1::BatchRequest* batch, const v1::ObjectRef& source,
                      const v1::ObjectRef& target) {
  v1::BatchLink* link = batch->add_operations()->mutable_link();
  *link->mutable_source() = source;
  *link->mutable_target() = target;
  link->set_append(true);
}

// A full collection (no generation given).
inline void AddCollect(v1::BatchRequest* batch) {
  batch->add_operations()->mutable_collect();
}

}  // namespace heapd

#endif  // HEAPD_TESTS_BATCH_REQUEST_BUILDERS_H_

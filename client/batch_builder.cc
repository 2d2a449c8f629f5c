#include "client/batch_builder.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace heapd::client {

ObjectRef::ObjectRef(const Allocation& allocation)
    : ObjectRef(Result(allocation.op(), 0)) {}

ObjectRef ObjectRef::Result(uint32_t op, uint32_t object) {
  ObjectRef ref;
  ref.ref_.mutable_result()->set_op(op);
  ref.ref_.mutable_result()->set_object(object);
  return ref;
}

size_t BatchBuilder::Push(v1::Operation operation) {
  operations_.push_back(std::move(operation));
  return operations_.size() - 1;
}

Allocation BatchBuilder::Allocate(v1::ObjectType type, int64_t length,
                                  uint32_t count) {
  v1::BatchAllocate allocate;
  allocate.set_type(type);
  allocate.set_length(length);
  allocate.set_count(count);
  return Allocate(allocate);
}

Allocation BatchBuilder::Allocate(const v1::BatchAllocate& allocate) {
  v1::Operation operation;
  *operation.mutable_allocate() = allocate;
  // The server reads count 0 as 1.
  const uint32_t count = allocate.count() == 0 ? 1 : allocate.count();
  return Allocation(static_cast<uint32_t>(Push(std::move(operation))), count);
}

size_t BatchBuilder::IncRef(const ObjectRef& object) {
  v1::Operation operation;
  *operation.mutable_incref()->mutable_object() = object.proto();
  return Push(std::move(operation));
}

size_t BatchBuilder::DecRef(const ObjectRef& object) {
  v1::Operation operation;
  *operation.mutable_decref()->mutable_object() = object.proto();
  return Push(std::move(operation));
}

size_t BatchBuilder::Link(const ObjectRef& source, const ObjectRef& target,
                          absl::string_view field) {
  v1::Operation operation;
  v1::BatchLink* link = operation.mutable_link();
  *link->mutable_source() = source.proto();
  *link->mutable_target() = target.proto();
  link->set_field(std::string(field));
  return Push(std::move(operation));
}

size_t BatchBuilder::Append(const ObjectRef& source, const ObjectRef& target) {
  v1::Operation operation;
  v1::BatchLink* link = operation.mutable_link();
  *link->mutable_source() = source.proto();
  *link->mutable_target() = target.proto();
  link->set_append(true);
  return Push(std::move(operation));
}

size_t BatchBuilder::Unlink(const ObjectRef& source, absl::string_view field) {
  v1::Operation operation;
  v1::BatchUnlink* unlink = operation.mutable_unlink();
  *unlink->mutable_source() = source.proto();
  unlink->set_field(std::string(field));
  return Push(std::move(operation));
}

size_t BatchBuilder::Remove(const ObjectRef& source, const ObjectRef& item) {
  v1::Operation operation;
  v1::BatchUnlink* unlink = operation.mutable_unlink();
  *unlink->mutable_source() = source.proto();
  *unlink->mutable_item() = item.proto();
  return Push(std::move(operation));
}

size_t BatchBuilder::SetItem(const ObjectRef& source, int64_t index,
                             const ObjectRef& target) {
  v1::Operation operation;
  v1::BatchLink* link = operation.mutable_link();
  *link->mutable_source() = source.proto();
  *link->mutable_target() = target.proto();
  link->set_index(index);
  return Push(std::move(operation));
}

size_t BatchBuilder::DeleteItem(const ObjectRef& source, int64_t index) {
  v1::Operation operation;
  v1::BatchUnlink* unlink = operation.mutable_unlink();
  *unlink->mutable_source() = source.proto();
  unlink->set_index(index);
  return Push(std::move(operation));
}

size_t BatchBuilder::GetField(const ObjectRef& source,
                              absl::string_view field) {
  v1::Operation operation;
  v1::BatchGetReferent* get = operation.mutable_get_referent();
  *get->mutable_source() = source.proto();
  get->set_field(std::string(field));
  return Push(std::move(operation));
}

size_t BatchBuilder::GetItem(const ObjectRef& source, int64_t index) {
  v1::Operation operation;
  v1::BatchGetReferent* get = operation.mutable_get_referent();
  *get->mutable_source() = source.proto();
  get->set_index(index);
  return Push(std::move(operation));
}

size_t BatchBuilder::CreateWeakRef(const ObjectRef& object, bool callback) {
  v1::Operation operation;
  v1::BatchCreateWeakRef* weak = operation.mutable_create_weakref();
  *weak->mutable_object() = object.proto();
  weak->set_callback(callback);
  return Push(std::move(operation));
}

size_t BatchBuilder::Collect(std::optional<int> generation) {
  v1::Operation operation;
  v1::BatchCollect* collect = operation.mutable_collect();
  if (generation.has_value()) collect->set_generation(*generation);
  return Push(std::move(operation));
}

v1::BatchRequest BatchBuilder::Build(absl::string_view session_id,
                                     bool continue_on_error) const {
  v1::BatchRequest request;
  request.set_session_id(std::string(session_id));
  request.set_continue_on_error(continue_on_error);
  for (const v1::Operation& operation : operations_) {
    *request.add_operations() = operation;
  }
  return request;
}

absl::StatusOr<uint64_t> HandleOf(const v1::BatchResponse& response,
                                  const Allocation& allocation,
                                  uint32_t object) {
  if (allocation.op() >= static_cast<uint32_t>(response.results_size())) {
    return absl::FailedPreconditionError(absl::StrCat(
        "operation ", allocation.op(), " did not run (the batch ran ",
        response.results_size(), ")"));
  }
  const v1::OperationResult& result = response.results(allocation.op());
  if (result.code() != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        "operation ", allocation.op(), " failed: ", result.message()));
  }
  if (object >= static_cast<uint32_t>(result.allocate().objects_size())) {
    return absl::OutOfRangeError(absl::StrCat(
        "operation ", allocation.op(), " allocated ",
        result.allocate().objects_size(), " objects, not ", object + 1));
  }
  return result.allocate().objects(object).handle();
}

}  // namespace heapd::client

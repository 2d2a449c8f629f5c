#include "server/object_operations.h"

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "server/object_translation.h"

namespace heapd::server {

absl::Status AllocateObjects(objects::ObjectHeap& heap, objects::OwnerId owner,
                             int type, int64_t length, uint32_t count,
                             const v1::Finalizer& finalizer,
                             const v1::WeakRefOptions& weakref,
                             int64_t max_count, v1::AllocateResponse* out) {
  const int64_t n = count == 0 ? 1 : count;
  if (n > max_count) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "count ", n, " is over this server's limit of ", max_count,
        " objects per Allocate (--max_allocate_count); split the request"));
  }
  absl::StatusOr<objects::AllocateSpec> spec =
      AllocateSpecFromProto(type, length, finalizer, weakref);
  if (!spec.ok()) return spec.status();
  for (int64_t i = 0; i < n; ++i) {
    absl::StatusOr<objects::Allocated> allocated = heap.Allocate(owner, *spec);
    if (!allocated.ok()) {
      // All or nothing: the session must not keep references it was never
      // told about, nor may a finalizer of an object it never saw run (a
      // resurrecting one would keep the object).
      for (const v1::AllocatedObject& made : out->objects()) {
        (void)heap.Unallocate(owner, made.handle());
      }
      out->clear_objects();
      return allocated.status();
    }
    ToProto(*allocated, out->add_objects());
  }
  return absl::OkStatus();
}

absl::Status IncRefObject(objects::ObjectHeap& heap, objects::OwnerId owner,
                          objects::Handle handle, v1::IncRefResponse* out) {
  absl::StatusOr<objects::RefCountResult> result = heap.IncRef(owner, handle);
  if (!result.ok()) return result.status();
  out->set_refcount(result->refcount);
  out->set_session_references(result->owner_references);
  return absl::OkStatus();
}

absl::Status DecRefObject(objects::ObjectHeap& heap, objects::OwnerId owner,
                          objects::Handle handle, v1::DecRefResponse* out) {
  absl::StatusOr<objects::RefCountResult> result = heap.DecRef(owner, handle);
  if (!result.ok()) return result.status();
  out->set_refcount(result->refcount);
  out->set_session_references(result->owner_references);
  out->set_objects_freed(result->objects_freed);
  return absl::OkStatus();
}

absl::Status LinkObjects(objects::ObjectHeap& heap, objects::Handle source,
                         objects::Handle target, const std::string* field,
                         bool append, std::optional<int64_t> index,
                         v1::LinkResponse* out) {
  absl::StatusOr<objects::LinkResult> result;
  if (field != nullptr) {
    result = heap.SetField(source, *field, target);
  } else if (append) {
    result = heap.Append(source, target);
  } else if (index.has_value()) {
    result = heap.SetItem(source, *index, target);
  } else {
    return absl::InvalidArgumentError(
        "Link needs a slot: set `field` (source.field = target), "
        "`append: true` (source.append(target)) or `index` "
        "(source[index] = target)");
  }
  if (!result.ok()) return result.status();
  out->set_target_refcount(result->target_refcount);
  out->set_replaced(result->replaced);
  out->set_objects_freed(result->objects_freed);
  return absl::OkStatus();
}

absl::Status UnlinkObjects(objects::ObjectHeap& heap, objects::Handle source,
                           const std::string* field,
                           std::optional<objects::Handle> item,
                           std::optional<int64_t> index,
                           v1::UnlinkResponse* out) {
  absl::StatusOr<objects::UnlinkResult> result;
  if (field != nullptr) {
    result = heap.ClearField(source, *field);
  } else if (item.has_value()) {
    result = heap.RemoveItem(source, *item);
  } else if (index.has_value()) {
    result = heap.DeleteItem(source, *index);
  } else {
    return absl::InvalidArgumentError(
        "Unlink needs a slot: set `field` (del source.field), `item` "
        "(source.remove(item)) or `index` (del source[index])");
  }
  if (!result.ok()) return result.status();
  out->set_released(result->released);
  out->set_released_refcount(result->released_refcount);
  out->set_objects_freed(result->objects_freed);
  return absl::OkStatus();
}

absl::Status GetReferentObject(objects::ObjectHeap& heap,
                               objects::OwnerId owner, objects::Handle source,
                               const std::string* field,
                               std::optional<int64_t> index,
                               v1::GetReferentResponse* out) {
  absl::StatusOr<objects::Referent> referent;
  if (field != nullptr) {
    referent = heap.FieldReferent(source, *field);
  } else if (index.has_value()) {
    referent = heap.ItemReferent(source, *index);
  } else {
    return absl::InvalidArgumentError(
        "GetReferent needs a slot: set `field` (source.field) or `index` "
        "(source[index])");
  }
  if (!referent.ok()) return referent.status();
  // The same lock hold as the read: nothing can free the referent between.
  absl::StatusOr<objects::RefCountResult> taken =
      heap.IncRef(owner, referent->handle);
  if (!taken.ok()) return taken.status();
  out->set_handle(referent->handle);
  out->set_type(ToProto(referent->type));
  out->set_size(static_cast<int64_t>(referent->size));
  out->set_refcount(taken->refcount);
  out->set_session_references(taken->owner_references);
  return absl::OkStatus();
}

absl::Status CreateWeakRefTo(objects::ObjectHeap& heap, objects::Handle handle,
                             bool callback, v1::CreateWeakRefResponse* out) {
  absl::StatusOr<objects::WeakRefId> id = heap.CreateWeakRef(handle, callback);
  if (!id.ok()) return id.status();
  out->set_weakref_id(*id);
  return absl::OkStatus();
}

absl::Status ReadWeakRefOf(objects::ObjectHeap& heap, objects::OwnerId owner,
                           uint64_t weakref_id, v1::ReadWeakRefResponse* out) {
  absl::StatusOr<objects::Handle> target = heap.WeakRefTarget(weakref_id);
  if (!target.ok()) return target.status();
  if (*target == 0) return absl::OkStatus();  // dead: r() is None
  absl::StatusOr<objects::Referent> referent = heap.TypeAndSize(*target);
  if (!referent.ok()) return referent.status();
  absl::StatusOr<objects::RefCountResult> taken = heap.IncRef(owner, *target);
  if (!taken.ok()) return taken.status();
  out->set_handle(*target);
  out->set_type(ToProto(referent->type));
  out->set_size(static_cast<int64_t>(referent->size));
  out->set_refcount(taken->refcount);
  out->set_session_references(taken->owner_references);
  return absl::OkStatus();
}

absl::Status CollectGeneration(objects::ObjectHeap& heap,
                               std::optional<int32_t> generation,
                               v1::CollectResponse* out) {
  absl::StatusOr<objects::CollectResult> result =
      heap.Collect(generation.value_or(2));
  if (!result.ok()) return result.status();
  ToProto(*result, out);
  return absl::OkStatus();
}

}  // namespace heapd::server

// HeapModel: objects, references, links and weak references. The collector
// is in heap_model_collector.cc.
#include "heap/testing/heap_model.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace heapd::testing {
namespace {

constexpr size_t kMaxFieldName = 256;

bool HasFields(objects::ObjectType type) {
  return type == objects::ObjectType::kObject ||
         type == objects::ObjectType::kDict ||
         type == objects::ObjectType::kTuple;
}

bool TakesItems(objects::ObjectType type) {
  return type == objects::ObjectType::kList ||
         type == objects::ObjectType::kSet ||
         type == objects::ObjectType::kTuple;
}

}  // namespace

ModelEvent ModelEvent::From(const objects::HeapEvent& event) {
  ModelEvent out;
  out.kind = event.kind;
  out.object = event.object;
  out.weakref = event.weakref;
  out.resurrected = event.resurrected;
  if (event.kind == objects::HeapEvent::Kind::kCollection) {
    out.generation = event.collection.generation;
    out.examined = event.collection.examined;
    out.collected = event.collection.collected;
    out.automatic = event.collection.automatic;
  }
  return out;
}

std::string ModelEvent::ToString() const {
  switch (kind) {
    case objects::HeapEvent::Kind::kCollection:
      return absl::StrCat(automatic ? "automatic " : "", "collection of ",
                          generation, ": examined ", examined, ", collected ",
                          collected);
    case objects::HeapEvent::Kind::kFinalizer:
      return absl::StrCat("finalizer of ", object,
                          resurrected ? " (resurrected)" : "");
    case objects::HeapEvent::Kind::kWeakRefCallback:
      return absl::StrCat("weakref ", weakref, " callback for ", object);
  }
  return "?";
}

std::vector<objects::Handle> HeapModel::Object::Links() const {
  std::vector<objects::Handle> links;
  for (const Field& field : fields) {
    if (field.target != 0) links.push_back(field.target);
  }
  links.insert(links.end(), items.begin(), items.end());
  return links;
}

HeapModel::Object* HeapModel::Live(objects::Handle handle) {
  auto it = objects_.find(handle);
  return it == objects_.end() ? nullptr : &it->second;
}

HeapModel::Object* HeapModel::Named(objects::Handle handle) {
  Object* object = Live(handle);
  return object != nullptr && Visible(*object) ? object : nullptr;
}

int64_t HeapModel::RefcountAfter(objects::Handle handle) const {
  const Object* object = Find(handle);
  return object == nullptr ? 0 : object->refcount;
}

const HeapModel::Object* HeapModel::Find(objects::Handle handle) const {
  auto it = objects_.find(handle);
  return it == objects_.end() ? nullptr : &it->second;
}

int64_t HeapModel::OwnerReferences(objects::OwnerId owner,
                                   objects::Handle handle) const {
  auto it = owners_.find(owner);
  if (it == owners_.end()) return 0;
  auto held = it->second.find(handle);
  return held == it->second.end() ? 0 : held->second;
}

// ---------------------------------------------------------------------------
// Allocation and references

absl::Status HeapModel::CheckAllocate(const objects::AllocateSpec& spec) const {
  if (spec.length < 0 || spec.length > objects::MaxLength(spec.type) ||
      (!objects::HasLength(spec.type) && spec.length != 0)) {
    return absl::InvalidArgumentError("bad length");
  }
  if (spec.finalizer.action == objects::Finalizer::Action::kResurrectInto) {
    const Object* into = Find(spec.finalizer.into);
    if (into == nullptr || !Visible(*into)) {
      return absl::NotFoundError("no such finalizer target");
    }
    if ((into->type != objects::ObjectType::kObject &&
         into->type != objects::ObjectType::kDict) ||
        spec.finalizer.field.empty()) {
      return absl::InvalidArgumentError("bad finalizer target");
    }
  }
  return absl::OkStatus();
}

objects::WeakRefId HeapModel::Allocated(objects::OwnerId owner,
                                        const objects::AllocateSpec& spec,
                                        objects::Handle handle) {
  Object& object = objects_[handle];
  object.type = spec.type;
  object.length = spec.length;
  object.refcount = 1;
  if (spec.type == objects::ObjectType::kTuple) {
    for (int64_t i = 0; i < spec.length; ++i) {
      object.fields.push_back(Field{absl::StrCat(i), 0});
    }
  }
  object.generation = objects::IsContainer(spec.type) ? 0 : -1;
  object.finalizer = spec.finalizer;
  object.finalizer_owner = owner;
  object.tenant = access_.tenant;
  ++owners_[owner][handle];
  objects::WeakRefId weakref = 0;
  if (spec.weakref) weakref = *CreateWeakRef(handle, spec.weakref_callback);
  if (objects::IsContainer(spec.type)) {
    ++counts_[0];
    if (gc_.enabled && gc_.thresholds[0] != 0 &&
        counts_[0] > gc_.thresholds[0]) {
      scheduled_ = true;
    }
  }
  return weakref;
}

void HeapModel::Incref(objects::Handle handle) {
  ++objects_.at(handle).refcount;
}

void HeapModel::Decref(objects::Handle handle) {
  if (--objects_.at(handle).refcount == 0) pending_.push_back(handle);
}

int64_t HeapModel::FreePending() {
  int64_t freed = 0;
  while (!pending_.empty()) {
    const objects::Handle handle = pending_.back();
    pending_.pop_back();
    const Object* object = Find(handle);
    if (object == nullptr || object->refcount != 0) continue;
    if (Deallocate(handle)) ++freed;
  }
  return freed;
}

bool HeapModel::Deallocate(objects::Handle handle) {
  Object& object = objects_.at(handle);
  if (object.finalizer.action != objects::Finalizer::Action::kNone &&
      !object.finalized) {
    RunFinalizer(handle);
    if (object.refcount > 0) return false;
  }
  if (!object.weakrefs.empty()) ClearWeakRefs(handle);
  if (object.generation != -1 && counts_[0] > 0) --counts_[0];
  for (objects::Handle target : object.Links()) Decref(target);
  objects_.erase(handle);
  return true;
}

void HeapModel::RunFinalizer(objects::Handle handle) {
  Object& object = objects_.at(handle);
  object.finalized = true;
  ModelEvent event;
  event.kind = objects::HeapEvent::Kind::kFinalizer;
  event.object = handle;
  switch (object.finalizer.action) {
    case objects::Finalizer::Action::kResurrectToOwner:
      // Released since the allocation: nothing to resurrect into.
      if (object.finalizer_owner == objects::kNoOwner) break;
      Incref(handle);
      ++owners_[object.finalizer_owner][handle];
      event.resurrected = true;
      break;
    case objects::Finalizer::Action::kResurrectInto:
      event.resurrected =
          Live(object.finalizer.into) != nullptr &&
          LinkField(object.finalizer.into, object.finalizer.field, handle).ok();
      break;
    default:
      break;
  }
  events_.push_back(event);
}

void HeapModel::ClearWeakRefs(objects::Handle handle) {
  Object& object = objects_.at(handle);
  for (objects::WeakRefId id : object.weakrefs) {
    WeakRef& weakref = weakrefs_.at(id);
    if (weakref.target != handle) continue;
    weakref.target = 0;
    if (weakref.callback) {
      ModelEvent event;
      event.kind = objects::HeapEvent::Kind::kWeakRefCallback;
      event.object = handle;
      event.weakref = id;
      events_.push_back(event);
    }
  }
  object.weakrefs.clear();
}

absl::StatusOr<objects::RefCountResult> HeapModel::IncRef(
    objects::OwnerId owner, objects::Handle handle) {
  Object* object = Named(handle);
  if (object == nullptr) return absl::NotFoundError("no such object");
  Incref(handle);
  const int64_t held = ++owners_[owner][handle];
  return objects::RefCountResult{object->refcount, held, 0};
}

absl::StatusOr<objects::RefCountResult> HeapModel::DecRef(
    objects::OwnerId owner, objects::Handle handle) {
  Object* object = Named(handle);
  if (object == nullptr) return absl::NotFoundError("no such object");
  if (OwnerReferences(owner, handle) == 0) {
    return absl::FailedPreconditionError("the owner holds no reference");
  }
  std::map<objects::Handle, int64_t>& held = owners_[owner];
  const int64_t left = --held[handle];
  if (left == 0) held.erase(handle);
  if (held.empty()) owners_.erase(owner);
  Decref(handle);
  const int64_t freed = FreePending();
  // After the frees: a finalizer may have resurrected the object.
  return objects::RefCountResult{RefcountAfter(handle), left, freed};
}

objects::ReleaseResult HeapModel::ReleaseOwner(objects::OwnerId owner) {
  objects::ReleaseResult result;
  // Finalizers still to run lose the owner they would resurrect into.
  for (auto& [handle, object] : objects_) {
    if (!object.finalized && object.finalizer_owner == owner) {
      object.finalizer_owner = objects::kNoOwner;
    }
  }
  auto it = owners_.find(owner);
  if (it == owners_.end()) return result;
  const std::map<objects::Handle, int64_t> held = std::move(it->second);
  owners_.erase(it);
  for (const auto& [handle, count] : held) {
    result.references_released += count;
    for (int64_t i = 0; i < count; ++i) Decref(handle);
  }
  result.objects_freed = FreePending();
  return result;
}

// ---------------------------------------------------------------------------
// Links

absl::StatusOr<objects::LinkResult> HeapModel::LinkField(
    objects::Handle source, const std::string& field, objects::Handle target) {
  Object& object = objects_.at(source);
  if (!HasFields(object.type)) {
    return absl::FailedPreconditionError("has items, not fields");
  }
  if (field.empty()) return absl::InvalidArgumentError("empty field name");
  size_t index;
  if (object.type == objects::ObjectType::kTuple) {
    uint64_t i;
    if (!absl::SimpleAtoi(field, &i) || i >= object.fields.size()) {
      return absl::InvalidArgumentError("no such tuple slot");
    }
    index = static_cast<size_t>(i);
  } else {
    if (field.size() > kMaxFieldName) {
      return absl::InvalidArgumentError("field name too long");
    }
    auto it = std::find_if(object.fields.begin(), object.fields.end(),
                           [&](const Field& f) { return f.name == field; });
    if (it == object.fields.end()) {
      object.fields.push_back(Field{field, 0});
      it = object.fields.end() - 1;
    }
    index = static_cast<size_t>(it - object.fields.begin());
  }
  objects::LinkResult result;
  Incref(target);
  const objects::Handle previous = object.fields[index].target;
  object.fields[index].target = target;
  if (previous != 0) {
    result.replaced = Visible(objects_.at(previous)) ? previous : 0;
    Decref(previous);
  }
  result.target_refcount = objects_.at(target).refcount;
  return result;
}

absl::StatusOr<objects::LinkResult> HeapModel::SetField(
    objects::Handle source, const std::string& field, objects::Handle target) {
  const Object* object = Named(source);
  if (object == nullptr) return absl::NotFoundError("no such source");
  if (!objects::IsContainer(object->type)) {
    return absl::FailedPreconditionError("not a container");
  }
  if (Named(target) == nullptr) return absl::NotFoundError("no such target");
  absl::StatusOr<objects::LinkResult> result = LinkField(source, field, target);
  if (!result.ok()) return result;
  result->objects_freed = FreePending();
  result->target_refcount = RefcountAfter(target);
  return result;
}

absl::StatusOr<objects::LinkResult> HeapModel::Append(objects::Handle source,
                                                      objects::Handle target) {
  Object* object = Named(source);
  if (object == nullptr) return absl::NotFoundError("no such source");
  if (!objects::IsContainer(object->type)) {
    return absl::FailedPreconditionError("not a container");
  }
  Object* referent = Named(target);
  if (referent == nullptr) return absl::NotFoundError("no such target");
  if (!TakesItems(object->type)) {
    return absl::FailedPreconditionError("has fields, not items");
  }
  objects::LinkResult result;
  if (object->type == objects::ObjectType::kTuple) {
    auto empty = std::find_if(object->fields.begin(), object->fields.end(),
                              [](const Field& f) { return f.target == 0; });
    if (empty == object->fields.end()) {
      return absl::FailedPreconditionError("the tuple is full");
    }
    empty->target = target;
  } else if (object->type == objects::ObjectType::kSet &&
             std::find(object->items.begin(), object->items.end(), target) !=
                 object->items.end()) {
    result.target_refcount = referent->refcount;
    return result;
  } else {
    object->items.push_back(target);
  }
  Incref(target);
  result.target_refcount = referent->refcount;
  return result;
}

absl::StatusOr<objects::UnlinkResult> HeapModel::ClearField(
    objects::Handle source, const std::string& field) {
  Object* object = Named(source);
  if (object == nullptr) return absl::NotFoundError("no such source");
  if (!objects::IsContainer(object->type)) {
    return absl::FailedPreconditionError("not a container");
  }
  objects::Handle target = 0;
  if (object->type == objects::ObjectType::kTuple) {
    uint64_t i;
    if (absl::SimpleAtoi(field, &i) && i < object->fields.size() &&
        object->fields[i].target != 0) {
      target = object->fields[i].target;
      object->fields[i].target = 0;
    }
  } else {
    auto it = std::find_if(object->fields.begin(), object->fields.end(),
                           [&](const Field& f) { return f.name == field; });
    if (it != object->fields.end()) {
      target = it->target;
      object->fields.erase(it);
    }
  }
  if (target == 0) return absl::FailedPreconditionError("no such field");
  return DropLink(target);
}

objects::UnlinkResult HeapModel::DropLink(objects::Handle target) {
  objects::UnlinkResult result;
  const bool visible = Visible(objects_.at(target));
  Decref(target);
  result.objects_freed = FreePending();
  if (visible) {
    result.released = target;
    result.released_refcount = RefcountAfter(target);
  }
  return result;
}

absl::StatusOr<objects::UnlinkResult> HeapModel::RemoveItem(
    objects::Handle source, objects::Handle item) {
  Object* object = Named(source);
  if (object == nullptr) return absl::NotFoundError("no such source");
  if (!objects::IsContainer(object->type)) {
    return absl::FailedPreconditionError("not a container");
  }
  if (Named(item) == nullptr) return absl::NotFoundError("no such item");
  if (object->type != objects::ObjectType::kList &&
      object->type != objects::ObjectType::kSet) {
    return absl::FailedPreconditionError("only lists and sets remove items");
  }
  auto it = std::find(object->items.begin(), object->items.end(), item);
  if (it == object->items.end()) {
    return absl::FailedPreconditionError("not an item");
  }
  object->items.erase(it);
  return DropLink(item);
}

// ---------------------------------------------------------------------------
// Weak references

absl::StatusOr<objects::WeakRefId> HeapModel::CreateWeakRef(
    objects::Handle target, bool callback) {
  Object* object = Named(target);
  if (object == nullptr) return absl::NotFoundError("no such object");
  const objects::WeakRefId id = next_weakref_++;
  weakrefs_[id] = WeakRef{target, callback};
  object->weakrefs.push_back(id);
  return id;
}

absl::StatusOr<objects::Handle> HeapModel::WeakRefTarget(
    objects::WeakRefId id) const {
  auto it = weakrefs_.find(id);
  if (it == weakrefs_.end()) return absl::NotFoundError("no such weakref");
  const Object* target = Find(it->second.target);
  if (target != nullptr && !Visible(*target)) return objects::Handle{0};
  return it->second.target;
}

absl::Status HeapModel::SelfCheck() const {
  std::map<objects::Handle, int64_t> references;
  for (const auto& [handle, object] : objects_) {
    for (objects::Handle target : object.Links()) ++references[target];
    if (object.in_garbage_list) ++references[handle];
  }
  for (const auto& [owner, held] : owners_) {
    for (const auto& [handle, count] : held) references[handle] += count;
  }
  for (const auto& [handle, object] : objects_) {
    if (object.refcount != references[handle]) {
      return absl::InternalError(absl::StrCat(
          "model: object ", handle, " has refcount ", object.refcount, " but ",
          references[handle], " references"));
    }
  }
  if (!pending_.empty()) return absl::InternalError("model: pending frees");
  return absl::OkStatus();
}

}  // namespace heapd::testing

#include "server/object_translation.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace heapd::server {

absl::StatusOr<objects::ObjectType> ObjectTypeFromProto(int type) {
  switch (type) {
    case v1::INT:
      return objects::ObjectType::kInt;
    case v1::FLOAT:
      return objects::ObjectType::kFloat;
    case v1::STR:
      return objects::ObjectType::kStr;
    case v1::BYTES:
      return objects::ObjectType::kBytes;
    case v1::TUPLE:
      return objects::ObjectType::kTuple;
    case v1::LIST:
      return objects::ObjectType::kList;
    case v1::DICT:
      return objects::ObjectType::kDict;
    case v1::SET:
      return objects::ObjectType::kSet;
    case v1::OBJECT:
      return objects::ObjectType::kObject;
    case v1::RAW:
      return objects::ObjectType::kRaw;
    case v1::OBJECT_TYPE_UNSPECIFIED:
      return absl::InvalidArgumentError(
          "type is not set: name one of INT, FLOAT, STR, BYTES, TUPLE, LIST, "
          "DICT, SET, OBJECT, RAW");
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "type ", type,
      " is not an ObjectType this server knows (1..10: INT .. RAW)"));
}

v1::ObjectType ToProto(objects::ObjectType type) {
  switch (type) {
    case objects::ObjectType::kInt:
      return v1::INT;
    case objects::ObjectType::kFloat:
      return v1::FLOAT;
    case objects::ObjectType::kStr:
      return v1::STR;
    case objects::ObjectType::kBytes:
      return v1::BYTES;
    case objects::ObjectType::kTuple:
      return v1::TUPLE;
    case objects::ObjectType::kList:
      return v1::LIST;
    case objects::ObjectType::kDict:
      return v1::DICT;
    case objects::ObjectType::kSet:
      return v1::SET;
    case objects::ObjectType::kObject:
      return v1::OBJECT;
    case objects::ObjectType::kRaw:
      return v1::RAW;
  }
  return v1::OBJECT_TYPE_UNSPECIFIED;
}

absl::StatusOr<objects::AllocateSpec> AllocateSpecFromProto(
    int type, int64_t length, const v1::Finalizer& finalizer,
    const v1::WeakRefOptions& weakref) {
  absl::StatusOr<objects::ObjectType> object_type = ObjectTypeFromProto(type);
  if (!object_type.ok()) return object_type.status();
  if (length < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("length ", length, " is negative; it must be >= 0"));
  }
  objects::AllocateSpec spec;
  spec.type = *object_type;
  spec.length = length;
  switch (finalizer.action()) {
    case v1::Finalizer::ACTION_UNSPECIFIED:
      spec.finalizer.action = objects::Finalizer::Action::kNone;
      break;
    case v1::Finalizer::RECORD:
      spec.finalizer.action = objects::Finalizer::Action::kRecord;
      break;
    case v1::Finalizer::RESURRECT_TO_SESSION:
      spec.finalizer.action = objects::Finalizer::Action::kResurrectToOwner;
      break;
    case v1::Finalizer::RESURRECT_INTO:
      spec.finalizer.action = objects::Finalizer::Action::kResurrectInto;
      spec.finalizer.into = finalizer.resurrect_into();
      spec.finalizer.field = finalizer.resurrect_field();
      break;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("finalizer.action ", finalizer.action(),
                       " is not a Finalizer.Action this server knows"));
  }
  spec.weakref = weakref.create();
  spec.weakref_callback = weakref.create() && weakref.callback();
  return spec;
}

void ToProto(const objects::Allocated& allocated, v1::AllocatedObject* out) {
  out->set_handle(allocated.handle);
  out->set_size(static_cast<int64_t>(allocated.size));
  out->set_block_size(static_cast<int64_t>(allocated.block_size));
  out->set_size_class(allocated.size_class);
  out->set_weakref_id(allocated.weakref);
}

void ToProto(const objects::ObjectInfo& info, v1::ObjectInfo* out) {
  out->Clear();
  out->set_handle(info.handle);
  out->set_type(ToProto(info.type));
  out->set_length(info.length);
  out->set_size(static_cast<int64_t>(info.size));
  out->set_block_size(static_cast<int64_t>(info.block_size));
  out->set_size_class(info.size_class);
  out->set_refcount(info.refcount);
  out->set_tracked(info.tracked);
  out->set_generation(info.generation);
  for (const objects::FieldLink& field : info.fields) {
    v1::FieldLink* link = out->add_fields();
    link->set_name(field.name);
    link->set_target(field.target);
  }
  for (objects::Handle item : info.items) out->add_items(item);
  for (objects::Handle referent : info.referents) out->add_referents(referent);
  for (objects::Handle referrer : info.referrers) out->add_referrers(referrer);
  out->set_session_references(info.owner_references);
  out->set_has_finalizer(info.has_finalizer);
  out->set_finalized(info.finalized);
  out->set_weakref_count(info.weakref_count);
}

void ToProto(const objects::CollectResult& result, v1::CollectResponse* out) {
  out->set_collected(result.collected);
  out->set_uncollectable(result.uncollectable);
  out->set_examined(result.examined);
  out->set_duration_ns(absl::ToInt64Nanoseconds(result.duration));
  out->clear_generation_counts();
  for (int64_t count : result.counts_after) out->add_generation_counts(count);
}

void ToProto(const objects::GcConfig& config, v1::GcConfig* out) {
  out->clear_thresholds();
  for (int64_t threshold : config.thresholds) out->add_thresholds(threshold);
  out->set_enabled(config.enabled);
  out->set_debug_flags(config.debug_flags);
}

objects::GcConfig MergeGcConfig(const objects::GcConfig& current,
                                const v1::SetGcConfigRequest& request) {
  objects::GcConfig config = current;
  if (request.has_threshold0()) config.thresholds[0] = request.threshold0();
  if (request.has_threshold1()) config.thresholds[1] = request.threshold1();
  if (request.has_threshold2()) config.thresholds[2] = request.threshold2();
  if (request.has_enabled()) config.enabled = request.enabled();
  if (request.has_debug_flags()) config.debug_flags = request.debug_flags();
  return config;
}

}  // namespace heapd::server

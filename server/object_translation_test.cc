#include "server/object_translation.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heapd::server {
namespace {

using ::testing::HasSubstr;

TEST(ObjectTranslationTest, EveryTypeRoundTrips) {
  for (int t = v1::INT; t <= v1::RAW; ++t) {
    absl::StatusOr<objects::ObjectType> type = ObjectTypeFromProto(t);
    ASSERT_TRUE(type.ok()) << t;
    EXPECT_EQ(ToProto(*type), t);
  }
}

TEST(ObjectTranslationTest, UnspecifiedAndUnknownTypesAreInvalid) {
  absl::StatusOr<objects::ObjectType> type =
      ObjectTypeFromProto(v1::OBJECT_TYPE_UNSPECIFIED);
  EXPECT_EQ(type.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(type.status().message(), HasSubstr("not set"));
  type = ObjectTypeFromProto(11);
  EXPECT_EQ(type.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(type.status().message(), HasSubstr("11"));
}

TEST(ObjectTranslationTest, AllocateSpecMapsFinalizerAndWeakRef) {
  v1::Finalizer finalizer;
  finalizer.set_action(v1::Finalizer::RESURRECT_INTO);
  finalizer.set_resurrect_into(7);
  finalizer.set_resurrect_field("keep");
  v1::WeakRefOptions weakref;
  weakref.set_create(true);
  weakref.set_callback(true);
  absl::StatusOr<objects::AllocateSpec> spec =
      AllocateSpecFromProto(v1::LIST, 4, finalizer, weakref);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->type, objects::ObjectType::kList);
  EXPECT_EQ(spec->length, 4);
  EXPECT_EQ(spec->finalizer.action, objects::Finalizer::Action::kResurrectInto);
  EXPECT_EQ(spec->finalizer.into, 7u);
  EXPECT_EQ(spec->finalizer.field, "keep");
  EXPECT_TRUE(spec->weakref);
  EXPECT_TRUE(spec->weakref_callback);

  EXPECT_EQ(AllocateSpecFromProto(v1::LIST, -1, {}, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
  finalizer.set_action(static_cast<v1::Finalizer::Action>(9));
  EXPECT_EQ(AllocateSpecFromProto(v1::LIST, 0, finalizer, {}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ObjectTranslationTest, SetGcConfigChangesOnlyTheFieldsSet) {
  objects::GcConfig current;
  v1::SetGcConfigRequest request;
  request.set_threshold2(0);
  request.set_debug_flags(32);
  const objects::GcConfig merged = MergeGcConfig(current, request);
  EXPECT_EQ(merged.thresholds[0], 700);
  EXPECT_EQ(merged.thresholds[1], 10);
  EXPECT_EQ(merged.thresholds[2], 0);
  EXPECT_TRUE(merged.enabled);
  EXPECT_EQ(merged.debug_flags, 32u);
}

}  // namespace
}  // namespace heapd::server

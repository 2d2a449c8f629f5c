// ReadNumberAtPath over hand-built StatsResponse and ObjectInfo messages:
// every kind of step, the shortcuts, and the error messages.
#include "client/scenario/proto_path.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/heap.pb.h"

namespace heapd::scenario {
namespace {

using ::testing::HasSubstr;

std::vector<PathStep> Path(std::vector<std::string> names) {
  std::vector<PathStep> path;
  for (const std::string& name : names) {
    PathStep step;
    if (!name.empty() && name[0] == '[') {
      step.index = std::stoll(name.substr(1));
    } else {
      step.name = name;
    }
    path.push_back(step);
  }
  return path;
}

class ProtoPathTest : public ::testing::Test {
 protected:
  ProtoPathTest() {
    for (int i = 0; i < 4; ++i) {
      v1::SizeClassStats* row = stats_.mutable_allocator()->add_size_classes();
      row->set_size_class(i);
      row->set_blocks_in_use(10 * i);
    }
    stats_.mutable_allocator()->set_arenas_current(3);
    stats_.mutable_allocator()->mutable_raw()->set_blocks_in_use(2);
    v1::TypeStats* lists = stats_.mutable_objects()->add_by_type();
    lists->set_type(v1::LIST);
    lists->set_count(5);
    lists->set_bytes(280);
    stats_.mutable_collector()->set_enabled(true);
    v1::GenerationStats* gen0 = stats_.mutable_collector()->add_generations();
    gen0->set_count(7);
    v1::LockKindStats* kind = stats_.mutable_lock()->add_by_kind();
    kind->set_kind("Allocate");
    kind->set_acquisitions(9);
    stats_.set_sequence(~uint64_t{0});
  }

  absl::StatusOr<int64_t> Read(std::vector<std::string> names) {
    return ReadNumberAtPath(stats_, "stats", Path(std::move(names)));
  }
  std::string ErrorOf(std::vector<std::string> names) {
    absl::StatusOr<int64_t> value = Read(std::move(names));
    EXPECT_FALSE(value.ok());
    return value.ok() ? "" : std::string(value.status().message());
  }

  v1::StatsResponse stats_;
};

TEST_F(ProtoPathTest, FieldsIndexesAndNumbers) {
  EXPECT_EQ(*Read({"allocator", "size_classes", "[3]", "blocks_in_use"}), 30);
  EXPECT_EQ(*Read({"allocator", "arenas_current"}), 3);
  EXPECT_EQ(*Read({"allocator", "raw", "blocks_in_use"}), 2);
  EXPECT_EQ(*Read({"collector", "enabled"}), 1);  // bool
  // uint64 beyond int64 saturates.
  EXPECT_EQ(*Read({"sequence"}), std::numeric_limits<int64_t>::max());
}

TEST_F(ProtoPathTest, Shortcuts) {
  // Singular or plural, and a section's field straight from the root.
  EXPECT_EQ(*Read({"size_class", "[2]", "blocks_in_use"}), 20);
  EXPECT_EQ(*Read({"arenas_current"}), 3);
  EXPECT_EQ(*Read({"generations", "[0]", "count"}), 7);
  EXPECT_EQ(*Read({"generation", "[0]", "count"}), 7);
  // A repeated field alone is its length; a message with `count`, the count.
  EXPECT_EQ(*Read({"allocator", "size_classes"}), 4);
  EXPECT_EQ(*Read({"collector", "generations", "[0]"}), 7);
}

TEST_F(ProtoPathTest, ElementsByKey) {
  EXPECT_EQ(*Read({"objects", "by_type", "list"}), 5);
  EXPECT_EQ(*Read({"by_type", "LIST", "bytes"}), 280);
  // A type with no entry counts zero.
  EXPECT_EQ(*Read({"objects", "by_type", "dict"}), 0);
  EXPECT_EQ(*Read({"lock", "by_kind", "Allocate", "acquisitions"}), 9);
  EXPECT_EQ(ErrorOf({"lock", "by_kind", "Nope", "acquisitions"}),
            "stats.lock.by_kind has no entry Nope (entries: Allocate)");
  EXPECT_EQ(ErrorOf({"objects", "by_type", "tuplet"}),
            "stats.objects.by_type has no entry tuplet (entries: list)");
  EXPECT_EQ(ErrorOf({"allocator", "size_classes", "small"}),
            "stats.allocator.size_classes is a list of 4 entries: choose one "
            "with [index]");
}

TEST_F(ProtoPathTest, Errors) {
  EXPECT_THAT(ErrorOf({"allocator", "arena"}),
              HasSubstr("stats.allocator has no field 'arena' (fields: "
                        "layout, size_classes,"));
  EXPECT_EQ(ErrorOf({"allocator", "size_classes", "[4]"}),
            "stats.allocator.size_classes has 4 entries; [4] is out of range");
  EXPECT_EQ(ErrorOf({"allocator", "[0]"}),
            "stats.allocator is not a list; [0] needs a repeated field");
  EXPECT_EQ(ErrorOf({"allocator", "arenas_current", "x"}),
            "stats.allocator.arenas_current is a number; nothing can follow "
            "it");
  EXPECT_THAT(ErrorOf({"allocator"}),
              HasSubstr("stats.allocator is a message; name one of its "
                        "fields: layout,"));
  EXPECT_EQ(ErrorOf({"allocator", "layout", "preset"}),
            "stats.allocator.layout.preset is text, not a number");
}

TEST(ProtoPathInspectTest, ObjectInfo) {
  v1::ObjectInfo info;
  info.set_generation(2);
  info.add_items(5);
  info.add_items(6);
  info.add_fields()->set_target(77);
  EXPECT_EQ(*ReadNumberAtPath(info, "inspect(a)", Path({"generation"})), 2);
  EXPECT_EQ(*ReadNumberAtPath(info, "inspect(a)", Path({"items"})), 2);
  EXPECT_EQ(*ReadNumberAtPath(info, "inspect(a)", Path({"items", "[1]"})), 6);
  EXPECT_EQ(
      *ReadNumberAtPath(info, "inspect(a)", Path({"fields", "[0]", "target"})),
      77);
  EXPECT_EQ(ReadNumberAtPath(info, "inspect(a)", Path({"items", "[0]", "x"}))
                .status()
                .message(),
            "inspect(a).items[0] is a number; nothing can follow it");
}

}  // namespace
}  // namespace heapd::scenario

#include "server/stats_translation.h"

#include <cstddef>
#include <vector>

#include "gtest/gtest.h"
#include "heap/gil/lock_stats.h"
#include "heap/objects/object_heap.h"
#include "heap/obmalloc/allocator.h"
#include "heap/obmalloc/layout.h"
#include "heap/obmalloc/size_class.h"
#include "proto/heap.pb.h"
#include "server/rpc_counters.h"
#include "server/session_manager.h"
#include "server/slow_log.h"

namespace heapd::server {
namespace {

// A heap with something in every part of the accounting: blocks in use in
// several classes, freed blocks (available), raw blocks, and enough arenas
// that unused pools and headers are non-zero.
class StatsTranslationTest : public ::testing::Test {
 protected:
  StatsTranslationTest() : allocator_(obmalloc::AllocatorLayout::Classic()) {}

  ~StatsTranslationTest() override {
    for (void* p : blocks_) allocator_.Free(p);
  }

  void Populate() {
    // Small sizes spread over classes 0, 2, 7, 20 and 31; several arenas'
    // worth of 48-byte blocks.
    for (size_t size : {1, 40, 128, 330, 512}) {
      for (int i = 0; i < 2000; ++i) Allocate(size);
    }
    // Free every third block so pools have free-listed holes.
    for (size_t i = 0; i < blocks_.size(); i += 3) {
      allocator_.Free(blocks_[i]);
      blocks_[i] = nullptr;
    }
    std::erase(blocks_, nullptr);
    // The raw domain: a 0-byte request and a few large ones.
    Allocate(0);
    Allocate(513);
    Allocate(4096);
  }

  void Allocate(size_t size) {
    void* p = allocator_.Allocate(size);
    ASSERT_NE(p, nullptr);
    blocks_.push_back(p);
  }

  obmalloc::Allocator allocator_;
  std::vector<void*> blocks_;
};

TEST(LayoutTranslationTest, CarriesPresetSizesAndModelConstants) {
  v1::AllocatorLayout out;
  ToProto(obmalloc::AllocatorLayout::Classic(), &out);
  EXPECT_EQ(out.preset(), "classic");
  EXPECT_EQ(out.arena_size(), 256 * 1024);
  EXPECT_EQ(out.pool_size(), 4 * 1024);
  EXPECT_EQ(out.alignment(), 16);
  EXPECT_EQ(out.small_request_threshold(), 512);
  EXPECT_EQ(out.size_classes(), 32);
  EXPECT_EQ(out.pool_header_size(), 48);
  EXPECT_EQ(out.arena_release(), "keep_one");
}

TEST(LayoutTranslationTest, NamesCustomSizesAndEagerRelease) {
  absl::StatusOr<obmalloc::AllocatorLayout> layout =
      obmalloc::AllocatorLayout::Create(64 * 1024, 8 * 1024,
                                        obmalloc::ArenaRelease::kEager);
  ASSERT_TRUE(layout.ok()) << layout.status();
  v1::AllocatorLayout out;
  ToProto(*layout, &out);
  EXPECT_EQ(out.preset(), "custom");
  EXPECT_EQ(out.arena_size(), 64 * 1024);
  EXPECT_EQ(out.pool_size(), 8 * 1024);
  EXPECT_EQ(out.arena_release(), "eager");
}

TEST_F(StatsTranslationTest, EveryFieldMatchesTheStruct) {
  Populate();
  const obmalloc::AllocatorStats stats = allocator_.Stats();
  // Make sure the heap really has content, or the comparisons below would
  // pass on zeros.
  ASSERT_GT(stats.small.arenas_current, 1u);
  ASSERT_GT(stats.small.bytes_in_available_blocks, 0u);
  ASSERT_GT(stats.raw.blocks_in_use, 0u);

  v1::AllocatorStats out;
  ToProto(allocator_.layout(), stats, &out);

  EXPECT_EQ(out.layout().preset(), "classic");
  ASSERT_EQ(out.size_classes_size(), obmalloc::kNumSizeClasses);
  for (int c = 0; c < obmalloc::kNumSizeClasses; ++c) {
    const obmalloc::SizeClassStats& row = stats.small.size_classes[c];
    const v1::SizeClassStats& wire = out.size_classes(c);
    SCOPED_TRACE(c);
    EXPECT_EQ(wire.size_class(), c);
    EXPECT_EQ(wire.block_size(),
              static_cast<int64_t>(obmalloc::BlockSizeOf(c)));
    EXPECT_EQ(wire.blocks_per_pool(),
              static_cast<int64_t>(row.blocks_per_pool));
    EXPECT_EQ(wire.pools(), static_cast<int64_t>(row.pools));
    EXPECT_EQ(wire.blocks_in_use(), static_cast<int64_t>(row.blocks_in_use));
    EXPECT_EQ(wire.available_blocks(),
              static_cast<int64_t>(row.available_blocks));
  }
  EXPECT_EQ(out.size_classes(0).blocks_per_pool(), 253);
  EXPECT_GT(out.size_classes(2).blocks_in_use(), 0);

  const obmalloc::SmallObjectStats& s = stats.small;
  auto wire = [](size_t v) { return static_cast<int64_t>(v); };
  EXPECT_EQ(out.arenas_allocated_total(), wire(s.arenas_allocated_total));
  EXPECT_EQ(out.arenas_reclaimed(), wire(s.arenas_reclaimed));
  EXPECT_EQ(out.arenas_highwater(), wire(s.arenas_highwater));
  EXPECT_EQ(out.arenas_current(), wire(s.arenas_current));
  EXPECT_EQ(out.arena_bytes(), wire(s.arena_bytes));
  EXPECT_EQ(out.bytes_in_allocated_blocks(), wire(s.bytes_in_allocated_blocks));
  EXPECT_EQ(out.bytes_in_available_blocks(), wire(s.bytes_in_available_blocks));
  EXPECT_EQ(out.unused_pools(), wire(s.unused_pools));
  EXPECT_EQ(out.bytes_in_unused_pools(), wire(s.bytes_in_unused_pools));
  EXPECT_EQ(out.bytes_lost_to_pool_headers(),
            wire(s.bytes_lost_to_pool_headers));
  EXPECT_EQ(out.bytes_lost_to_quantization(),
            wire(s.bytes_lost_to_quantization));
  EXPECT_EQ(out.bytes_lost_to_arena_alignment(),
            wire(s.bytes_lost_to_arena_alignment));
  EXPECT_EQ(out.bytes_total(), wire(s.bytes_total));
  EXPECT_EQ(out.arena_map_nodes(), wire(s.arena_map_leaves));
  EXPECT_EQ(out.arena_map_bytes(), wire(s.arena_map_bytes));
  EXPECT_EQ(out.small_allocations_total(), wire(s.allocations_total));
  EXPECT_EQ(out.small_frees_total(), wire(s.frees_total));

  EXPECT_EQ(out.raw().blocks_in_use(), wire(stats.raw.blocks_in_use));
  EXPECT_EQ(out.raw().bytes_in_use(), wire(stats.raw.bytes_in_use));
  EXPECT_EQ(out.raw().bytes_highwater(), wire(stats.raw.bytes_highwater));
  EXPECT_EQ(out.raw().allocations_total(), wire(stats.raw.allocations_total));
  EXPECT_EQ(out.raw().frees_total(), wire(stats.raw.frees_total));
}

TEST_F(StatsTranslationTest, BytePartsSumToBytesTotal) {
  Populate();
  v1::AllocatorStats out;
  ToProto(allocator_.layout(), allocator_.Stats(), &out);
  ASSERT_GT(out.bytes_total(), 0);
  EXPECT_EQ(out.bytes_in_allocated_blocks() + out.bytes_in_available_blocks() +
                out.bytes_in_unused_pools() + out.bytes_lost_to_pool_headers() +
                out.bytes_lost_to_quantization() +
                out.bytes_lost_to_arena_alignment(),
            out.bytes_total());
}

TEST_F(StatsTranslationTest, RetranslatingReplacesRowsInsteadOfAppending) {
  v1::AllocatorStats out;
  ToProto(allocator_.layout(), allocator_.Stats(), &out);
  ToProto(allocator_.layout(), allocator_.Stats(), &out);
  EXPECT_EQ(out.size_classes_size(), obmalloc::kNumSizeClasses);
}

TEST(HeapStatsTranslationTest, ObjectsSectionListsTypesThatHaveObjects) {
  objects::ObjectHeapStats stats;
  stats.objects = 3;
  stats.bytes = 120;
  stats.by_type[static_cast<int>(objects::ObjectType::kObject)] = {2, 96};
  stats.by_type[static_cast<int>(objects::ObjectType::kFloat)] = {1, 24};
  stats.weakrefs = 1;
  v1::ObjectStats out;
  ToProto(stats, /*max_objects=*/1000, &out);
  EXPECT_EQ(out.objects(), 3);
  EXPECT_EQ(out.max_objects(), 1000);
  EXPECT_EQ(out.bytes(), 120);
  EXPECT_EQ(out.weakrefs(), 1);
  ASSERT_EQ(out.by_type_size(), 2);
  EXPECT_EQ(out.by_type(0).type(), v1::FLOAT);
  EXPECT_EQ(out.by_type(0).count(), 1);
  EXPECT_EQ(out.by_type(1).type(), v1::OBJECT);
  EXPECT_EQ(out.by_type(1).bytes(), 96);
}

TEST(HeapStatsTranslationTest, CollectorSectionKeepsOnlyCollections) {
  objects::ObjectHeapStats stats;
  stats.generations[2].collections = 4;
  stats.generations[0].threshold = 700;
  stats.permanent = 5;
  std::vector<objects::HeapEvent> events(2);
  events[0].kind = objects::HeapEvent::Kind::kFinalizer;
  events[1].kind = objects::HeapEvent::Kind::kCollection;
  events[1].collection.collected = 2;
  events[1].collection.automatic = true;
  events[1].collection.duration = absl::Microseconds(3);
  v1::CollectorStats out;
  ToProto(stats, events, &out);
  ASSERT_EQ(out.generations_size(), 3);
  EXPECT_EQ(out.generations(0).threshold(), 700);
  EXPECT_EQ(out.generations(2).collections(), 4);
  EXPECT_EQ(out.permanent(), 5);
  ASSERT_EQ(out.recent_size(), 1);
  EXPECT_EQ(out.recent(0).collected(), 2);
  EXPECT_TRUE(out.recent(0).automatic());
  EXPECT_EQ(out.recent(0).duration_ns(), 3000);
}

TEST(HeapStatsTranslationTest, LockSectionListsUsedKinds) {
  gil::LockStatsSnapshot stats;
  stats.policy = "fifo";
  stats.switch_interval = absl::Milliseconds(5);
  stats.acquisitions = 3;
  stats.kinds.resize(3);
  stats.kinds[0].name = "other";
  stats.kinds[1].name = "Allocate";
  stats.kinds[1].acquisitions = 3;
  stats.kinds[1].hold.count = 3;
  stats.kinds[1].hold.p50 = 1500.4;
  stats.kinds[2].name = "Collect";
  v1::LockStats out;
  ToProto(stats, &out);
  EXPECT_EQ(out.policy(), "fifo");
  EXPECT_EQ(out.switch_interval_ns(), 5000000);
  EXPECT_EQ(out.acquisitions(), 3);
  ASSERT_EQ(out.by_kind_size(), 1);
  EXPECT_EQ(out.by_kind(0).kind(), "Allocate");
  EXPECT_EQ(out.by_kind(0).hold().count(), 3);
  EXPECT_EQ(out.by_kind(0).hold().p50_ns(), 1500);
}

TEST(ServerStatsTranslationTest, CarriesEveryFigureAndSumsTheMethods) {
  ServerFigures figures;
  figures.version = "1.2.3";
  figures.started_unix_ns = 1700000000000000000;
  figures.uptime_ns = 42;
  figures.sessions = {
      .open = 2, .opened_total = 5, .closed_total = 2, .expired_total = 1};
  figures.methods.push_back({.method = "Ping", .calls = 7, .errors = {}});
  figures.methods.push_back(
      {.method = "Inspect",
       .calls = 4,
       .errors = {{.code = 5, .code_name = "NOT_FOUND", .count = 2},
                  {.code = 7, .code_name = "PERMISSION_DENIED", .count = 1}}});
  figures.connections_open = 3;
  figures.watch_streams_open = 1;
  figures.lock_waiters_rejected = 9;
  figures.max_lock_waiters = 64;
  v1::ServerStats out;
  ToProto(figures, &out);
  EXPECT_EQ(out.version(), "1.2.3");
  EXPECT_EQ(out.started_unix_ns(), 1700000000000000000);
  EXPECT_EQ(out.uptime_ns(), 42);
  EXPECT_EQ(out.sessions_open(), 2);
  EXPECT_EQ(out.sessions_opened_total(), 5);
  EXPECT_EQ(out.sessions_closed_total(), 2);
  EXPECT_EQ(out.sessions_expired_total(), 1);
  ASSERT_EQ(out.methods_size(), 2);
  EXPECT_EQ(out.methods(0).method(), "Ping");
  EXPECT_EQ(out.methods(0).calls(), 7);
  EXPECT_EQ(out.methods(0).errors_size(), 0);
  ASSERT_EQ(out.methods(1).errors_size(), 2);
  EXPECT_EQ(out.methods(1).errors(0).code(), 5);
  EXPECT_EQ(out.methods(1).errors(0).code_name(), "NOT_FOUND");
  EXPECT_EQ(out.methods(1).errors(0).count(), 2);
  EXPECT_EQ(out.methods(1).errors(1).code_name(), "PERMISSION_DENIED");
  EXPECT_EQ(out.rpcs_total(), 11);
  EXPECT_EQ(out.errors_total(), 3);
  EXPECT_EQ(out.connections_open(), 3);
  EXPECT_EQ(out.watch_streams_open(), 1);
  EXPECT_EQ(out.lock_waiters_rejected(), 9);
  EXPECT_EQ(out.max_lock_waiters(), 64);
}

TEST(ServerStatsTranslationTest, RetranslatingReplacesMethodRows) {
  ServerFigures figures;
  figures.methods.push_back({.method = "Ping", .calls = 1, .errors = {}});
  v1::ServerStats out;
  ToProto(figures, &out);
  ToProto(figures, &out);
  EXPECT_EQ(out.methods_size(), 1);
  EXPECT_EQ(out.rpcs_total(), 1);
}

TEST(SlowLogTranslationTest, CarriesEveryField) {
  SlowLogRecord record;
  record.id = 12;
  record.timestamp_unix_ns = 1700000000000000001;
  record.method = "Batch";
  record.session_id = "0123abcd";
  record.wait_ns = 15000000;
  record.hold_ns = 250000;
  record.operations = 500;
  v1::SlowLogEntry out;
  ToProto(record, &out);
  EXPECT_EQ(out.id(), 12u);
  EXPECT_EQ(out.timestamp_unix_ns(), 1700000000000000001);
  EXPECT_EQ(out.method(), "Batch");
  EXPECT_EQ(out.session_id(), "0123abcd");
  EXPECT_EQ(out.wait_ns(), 15000000);
  EXPECT_EQ(out.hold_ns(), 250000);
  EXPECT_EQ(out.operations(), 500);
}

}  // namespace
}  // namespace heapd::server

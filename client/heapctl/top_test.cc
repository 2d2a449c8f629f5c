#include "client/heapctl/top.h"

#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace heapd::heapctl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

v1::StatsResponse Snapshot(int64_t uptime_s, int64_t rpcs, int64_t handoffs,
                           int classes_in_use) {
  v1::StatsResponse stats;
  v1::ServerStats* server = stats.mutable_server();
  server->set_version("0.1.0");
  server->set_uptime_ns(uptime_s * 1000000000);
  server->set_rpcs_total(rpcs);
  v1::MethodStats* method = server->add_methods();
  method->set_method("Allocate");
  method->set_calls(rpcs);
  stats.mutable_lock()->set_policy("cpython");
  stats.mutable_lock()->set_handoffs(handoffs);
  v1::AllocatorStats* a = stats.mutable_allocator();
  a->set_arenas_current(2);
  a->set_arena_bytes(524288);
  for (int i = 0; i < 32; ++i) {
    v1::SizeClassStats* row = a->add_size_classes();
    row->set_size_class(i);
    row->set_block_size(16 * (i + 1));
    row->set_blocks_per_pool(100);
    if (i < classes_in_use) {
      row->set_pools(1);
      row->set_blocks_in_use(i == 0 ? 50 : 10 + i);
    }
  }
  for (int g = 0; g < 3; ++g) {
    v1::GenerationStats* gen = stats.mutable_collector()->add_generations();
    gen->set_generation(g);
    gen->set_threshold(g == 0 ? 700 : 10);
    gen->set_count(g == 0 ? 350 : 0);
  }
  stats.mutable_collector()->set_enabled(true);
  return stats;
}

// A busy heap on a server that ran `uptime_s`: wide figures everywhere,
// so that narrow screens must drop some. Counters grow with `scale`.
v1::StatsResponse Busy(int64_t uptime_s, int64_t scale) {
  v1::StatsResponse stats =
      Snapshot(uptime_s, 1234567 * scale, 98765 * scale, 32);
  v1::ServerStats* server = stats.mutable_server();
  server->set_started_unix_ns(1700000000000000000);
  server->set_sessions_open(4321);
  for (const char* name : {"Batch", "Link", "IncRef", "DecRef", "Stats"}) {
    v1::MethodStats* method = server->add_methods();
    method->set_method(name);
    method->set_calls(name[0] * 1000 * scale);
  }
  v1::AllocatorStats* a = stats.mutable_allocator();
  a->set_arenas_current(1234);
  a->set_arenas_allocated_total(56789);
  a->set_arenas_reclaimed(55555);
  a->set_arenas_highwater(4321);
  for (v1::SizeClassStats& row : *a->mutable_size_classes()) {
    row.set_pools(12345);
    row.set_blocks_per_pool(250);
    row.set_blocks_in_use(1234567 + row.size_class() * 1000);
  }
  stats.mutable_objects()->set_objects(98765432);
  stats.mutable_objects()->set_bytes(int64_t{3} << 33);
  for (v1::GenerationStats& g :
       *stats.mutable_collector()->mutable_generations()) {
    g.set_collections(123456 * scale);
    g.set_collected(987654321);
  }
  stats.mutable_collector()->mutable_pause()->set_count(123456);
  stats.mutable_collector()->set_enabled(false);
  return stats;
}

// The whitespace-separated words of `lines` without the separators that
// follow them (, ;), bars left out (their width follows the screen's).
std::set<std::string> Words(const std::vector<std::string>& lines) {
  std::set<std::string> words;
  for (const std::string& line : lines) {
    for (absl::string_view word :
         absl::StrSplit(line, ' ', absl::SkipEmpty())) {
      if (word[0] == '[') continue;
      words.insert(
          std::string(absl::StripSuffix(absl::StripSuffix(word, ","), ";")));
    }
  }
  return words;
}

std::string All(const std::vector<std::string>& lines) {
  return absl::StrJoin(lines, "\n");
}

int CountWith(const std::vector<std::string>& lines, absl::string_view text) {
  int count = 0;
  for (const std::string& line : lines) {
    if (absl::StrContains(line, text)) ++count;
  }
  return count;
}

// Size-class rows are the lines that start with "<size> B".
int ClassRows(const std::vector<std::string>& lines) {
  int count = 0;
  for (const std::string& line : lines) {
    const std::vector<std::string> words =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (words.size() >= 2 && words[1] == "B") ++count;
  }
  return count;
}

// The width of the bar on the line starting with `start`; 0 if none.
int BarWidth(const std::vector<std::string>& lines, absl::string_view start) {
  for (const std::string& line : lines) {
    if (!absl::StartsWith(line, start)) continue;
    const size_t open = line.find('[');
    const size_t close = line.find(']');
    if (open != std::string::npos && close != std::string::npos) {
      return static_cast<int>(close - open + 1);
    }
  }
  return 0;
}

void ExpectFits(const std::vector<std::string>& lines, int width, int height) {
  EXPECT_LE(static_cast<int>(lines.size()), height);
  for (const std::string& line : lines) {
    EXPECT_LE(static_cast<int>(line.size()), width) << line;
  }
}

TEST(TopTest, FitsEightyByTwentyFour) {
  const v1::StatsResponse before = Snapshot(10, 100, 40, 32);
  const v1::StatsResponse after = Snapshot(12, 300, 100, 32);
  const std::vector<std::string> lines =
      RenderTop(after, &before, "127.0.0.1:50051", 80, 24);
  EXPECT_LE(lines.size(), 24u);
  for (const std::string& line : lines) EXPECT_LE(line.size(), 80u) << line;
  const std::string all = All(lines);
  // 200 RPCs and 60 hand-offs in 2 s.
  EXPECT_THAT(lines[0], HasSubstr("rpcs/s 100"));
  EXPECT_THAT(all, HasSubstr("hand-offs/s 30"));
  EXPECT_THAT(all, HasSubstr("RPCs/s: Allocate 100"));
  EXPECT_THAT(all, HasSubstr("Arenas: 2 in use (512.0 KiB)"));
  // Not every class fits: the fullest are shown and the rest counted.
  EXPECT_THAT(all, HasSubstr("more classes in use"));
  EXPECT_THAT(all, HasSubstr("  16 B [########"));  // class 0 is 50% full
  EXPECT_THAT(all, HasSubstr("Gen 0     350/700"));
}

TEST(TopTest, FirstFrameHasNoRates) {
  const std::vector<std::string> lines =
      RenderTop(Snapshot(1, 5, 1, 2), nullptr, "h:1", 80, 24);
  EXPECT_THAT(lines[0], HasSubstr("rpcs/s -"));
  EXPECT_THAT(All(lines), HasSubstr("RPCs/s: (next frame)"));
  EXPECT_THAT(All(lines), ::testing::Not(HasSubstr("more classes")));
}

TEST(TopTest, Bars) {
  EXPECT_EQ(Bar(0.5, 12), "[#####.....]");
  EXPECT_EQ(Bar(2.0, 6), "[####]");
  EXPECT_EQ(Bar(-1, 4), "[..]");
}

TEST(TopTest, ALargerScreenShowsEverySizeClass) {
  const v1::StatsResponse before = Snapshot(10, 100, 40, 32);
  const v1::StatsResponse after = Snapshot(12, 300, 100, 32);
  const std::vector<std::string> small =
      RenderTop(after, &before, "127.0.0.1:50051", 80, 24);
  const std::vector<std::string> large =
      RenderTop(after, &before, "127.0.0.1:50051", 160, 50);
  ExpectFits(small, 80, 24);
  ExpectFits(large, 160, 50);
  EXPECT_EQ(small.size(), 24u);
  // 24 rows: 4 above, 6 below, 13 classes and the count of the rest.
  EXPECT_EQ(ClassRows(small), 13);
  EXPECT_EQ(CountWith(small, "  ... 19 more classes in use"), 1);
  EXPECT_EQ(ClassRows(large), 32);
  EXPECT_EQ(CountWith(large, "more classes"), 0);
  // The wider screen gives the bars the room.
  EXPECT_EQ(BarWidth(small, "  16 B"), 37);
  EXPECT_EQ(BarWidth(large, "  16 B"), 60);
}

TEST(TopTest, NoLineIsWiderThanTheScreenAndNoFigureIsCut) {
  const v1::StatsResponse before = Busy(100, 1);
  const v1::StatsResponse after = Busy(102, 3);
  const std::set<std::string> all =
      Words(RenderTop(after, &before, "127.0.0.1:50051", 1000, 100));
  for (int width : {1, 8, 20, 30, 40, 52, 64, 80, 100, 132, 160, 250}) {
    for (int height : {1, 3, 12, 24, 50}) {
      for (const absl::Status& gone :
           {absl::OkStatus(), absl::UnavailableError("gone")}) {
        SCOPED_TRACE(absl::StrCat(width, "x", height, " ", gone.ToString()));
        const std::vector<std::string> lines =
            RenderTop(after, &before, "127.0.0.1:50051", width, height, gone);
        ExpectFits(lines, width, height);
        // Besides the full view's words: the count of hidden classes and
        // the status line.
        std::set<std::string> allowed = Words(
            {absl::StrCat("... ", 32 - ClassRows(lines),
                          " more classes in use"),
             "heapd at 127.0.0.1:50051 is gone (UNAVAILABLE); reconnecting "
             "every 1 s; q quits"});
        allowed.insert(all.begin(), all.end());
        for (const std::string& word : Words(lines)) {
          EXPECT_EQ(allowed.count(word), 1u)
              << "'" << word << "' is no whole word of the full view";
        }
      }
    }
  }
}

TEST(TopTest, NarrowScreensDropTheLeastImportantColumnsFirst) {
  const v1::StatsResponse before = Busy(100, 1);
  const v1::StatsResponse after = Busy(102, 3);
  const std::vector<std::string> wide =
      RenderTop(after, &before, "127.0.0.1:50051", 100, 50);
  const std::vector<std::string> narrow =
      RenderTop(after, &before, "127.0.0.1:50051", 36, 50);
  // A size class: size, bar, percentage, blocks, pools when there is room;
  // pools and blocks go first. (The title line says "blocks ... pools".)
  EXPECT_EQ(CountWith(wide, " pools"), 33);
  EXPECT_EQ(CountWith(wide, " blocks"), 34);  // and the raw blocks
  EXPECT_EQ(CountWith(narrow, " pools"), 0);
  EXPECT_EQ(CountWith(narrow, " blocks"), 0);
  EXPECT_EQ(ClassRows(narrow), 32);
  EXPECT_EQ(CountWith(narrow, "%"), 32);
  EXPECT_EQ(CountWith(narrow, "] "), 32);  // the bars stay
  // The busiest RPCs stay, the quietest go.
  EXPECT_THAT(All(wide), HasSubstr("Stats 83000"));
  EXPECT_THAT(All(narrow), HasSubstr("RPCs/s: Allocate"));
  EXPECT_THAT(All(narrow), Not(HasSubstr("Batch")));
  EXPECT_THAT(narrow[0], HasSubstr("heapd 0.1.0 at 127.0.0.1:50051"));
  // A field of two words goes whole.
  EXPECT_THAT(All(narrow), HasSubstr("Pauses: 123,456 collections\n"));
  EXPECT_THAT(All(RenderTop(after, &before, "h:1", 40, 50)),
              HasSubstr("Pauses: 123,456 collections  (gc off)\n"));
}

TEST(TopTest, AGoneServerKeepsTheFrameAndSaysSo) {
  const v1::StatsResponse before = Snapshot(10, 100, 40, 3);
  const v1::StatsResponse after = Snapshot(12, 300, 100, 3);
  const std::vector<std::string> live =
      RenderTop(after, &before, "127.0.0.1:50051", 80, 24);
  const std::vector<std::string> gone =
      RenderTop(after, &before, "127.0.0.1:50051", 80, 24,
                absl::UnavailableError("connection refused"));
  ASSERT_EQ(gone.size(), live.size() + 1);
  EXPECT_EQ(std::vector<std::string>(gone.begin(), gone.end() - 1), live);
  EXPECT_EQ(gone.back(),
            "heapd at 127.0.0.1:50051 is gone (UNAVAILABLE); reconnecting "
            "every 1 s; q quits");
  // On a full screen the status line takes a class row's place.
  const std::vector<std::string> full =
      RenderTop(Snapshot(12, 300, 100, 32), nullptr, "127.0.0.1:50051", 80, 24,
                absl::CancelledError("CANCELLED"));
  EXPECT_EQ(full.size(), 24u);
  EXPECT_THAT(full.back(), HasSubstr("is gone (CANCELLED)"));
  EXPECT_THAT(RenderTop(after, nullptr, "h:1", 80, 24,
                        absl::DeadlineExceededError("slow"))
                  .back(),
              HasSubstr("heapd at h:1 is not answering (DEADLINE_EXCEEDED)"));
}

TEST(TopTest, ARestartedServerShowsNoNegativeRates) {
  // The old run had more of everything than the new one.
  v1::StatsResponse old_run = Busy(500, 5);
  v1::StatsResponse new_run = Busy(2, 1);
  new_run.mutable_server()->set_started_unix_ns(1800000000000000000);
  const std::vector<std::string> lines =
      RenderTop(new_run, &old_run, "h:1", 160, 50);
  EXPECT_THAT(lines[0], HasSubstr("rpcs/s -"));
  const std::string all = All(lines);
  EXPECT_THAT(all, HasSubstr("RPCs/s: (next frame)"));
  EXPECT_THAT(all, HasSubstr("hand-offs/s -"));
  // Even a counter that went backwards within one run (uptime grew) gives
  // no negative rate.
  v1::StatsResponse later = Busy(3, 1);
  later.mutable_server()->set_started_unix_ns(1800000000000000000);
  later.mutable_lock()->set_handoffs(0);
  later.mutable_collector()->mutable_generations(0)->set_collections(0);
  const std::string next = All(RenderTop(later, &new_run, "h:1", 160, 50));
  EXPECT_THAT(next, HasSubstr("hand-offs/s -"));
  EXPECT_THAT(next, HasSubstr("collections 0 (-/s)"));
  for (const std::string& word :
       Words(RenderTop(later, &new_run, "h:1", 160, 50))) {
    EXPECT_FALSE(word.size() > 1 && word[0] == '-' && isdigit(word[1])) << word;
  }
}

TEST(TopTest, WhichFailuresMeanTheServerIsGone) {
  EXPECT_TRUE(ServerGone(absl::UnavailableError("")));
  EXPECT_TRUE(ServerGone(absl::CancelledError("")));
  EXPECT_TRUE(ServerGone(absl::DeadlineExceededError("")));
  EXPECT_FALSE(ServerGone(absl::PermissionDeniedError("")));
  EXPECT_FALSE(ServerGone(absl::UnauthenticatedError("")));
}

}  // namespace
}  // namespace heapd::heapctl

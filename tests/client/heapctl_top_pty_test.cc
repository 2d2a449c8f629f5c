// `heapctl top`, the binary, on a pseudo-terminal against a real heapd: it
// draws at the terminal's size and redraws at a new one on SIGWINCH; it
// keeps its last frame and says so when heapd goes away, resumes when
// heapd is back on the same port, and quits on q meanwhile.
//
// What heapctl wrote goes through Screen, a small terminal that knows the
// sequences top uses and counts every character written past its right
// edge, so "fits the terminal" is checked on what a person would see.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/heapctl_runner.h"
#include "tests/heapd_test_fixture.h"

namespace heapd {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using ::testing::StartsWith;

constexpr absl::Duration kPatience = absl::Seconds(60);

// A terminal of columns x rows: cursor moves, erasing, printing without
// wrapping (a character past the right edge is counted, not shown) and
// scrolling at the bottom, as xterm does for these sequences.
class Screen {
 public:
  Screen(int columns, int rows) { Resize(columns, rows); }

  // A resized terminal keeps what fits.
  void Resize(int columns, int rows) {
    columns_ = columns;
    rows_ = rows;
    cells_.resize(rows);
    for (std::string& row : cells_) row.resize(columns, ' ');
    row_ = std::min(row_, rows - 1);
    column_ = std::min(column_, columns - 1);
  }

  void Feed(absl::string_view bytes) {
    for (size_t i = 0; i < bytes.size(); ++i) {
      const char c = bytes[i];
      if (c == '\x1b' && i + 1 < bytes.size() && bytes[i + 1] == '[') {
        size_t end = i + 2;
        while (end < bytes.size() && !isalpha(bytes[end])) ++end;
        if (end == bytes.size()) return;
        Control(bytes.substr(i + 2, end - i - 2), bytes[end]);
        i = end;
      } else if (c == '\r') {
        column_ = 0;
      } else if (c == '\n') {
        if (++row_ == rows_) {
          cells_.erase(cells_.begin());
          cells_.push_back(std::string(columns_, ' '));
          --row_;
          ++scrolled_;
        }
      } else if (column_ >= columns_) {
        ++overflow_;
      } else {
        cells_[row_][column_++] = c;
      }
    }
  }

  // The rows as shown, trailing blanks dropped.
  std::vector<std::string> Rows() const {
    std::vector<std::string> rows;
    for (std::string row : cells_) {
      while (!row.empty() && row.back() == ' ') row.pop_back();
      rows.push_back(row);
    }
    return rows;
  }
  std::string Text() const { return absl::StrJoin(Rows(), "\n"); }
  // Characters written past the right edge; lines scrolled off the top.
  int overflow() const { return overflow_; }
  int scrolled() const { return scrolled_; }

 private:
  void Control(absl::string_view arguments, char command) {
    if (absl::StartsWith(arguments, "?")) return;  // modes: cursor, screen
    std::vector<int> numbers;
    for (absl::string_view n : absl::StrSplit(arguments, ';')) {
      int value = 0;
      numbers.push_back(absl::SimpleAtoi(n, &value) ? value : 0);
    }
    const int first = numbers.empty() ? 0 : numbers[0];
    switch (command) {
      case 'H':
        row_ = std::clamp(first > 0 ? first - 1 : 0, 0, rows_ - 1);
        column_ = numbers.size() > 1 && numbers[1] > 0
                      ? std::min(numbers[1] - 1, columns_ - 1)
                      : 0;
        break;
      case 'K':  // 0: to the end of the line; 2: all of it
        for (int c = first == 2 ? 0 : column_; c < columns_; ++c) {
          cells_[row_][c] = ' ';
        }
        break;
      case 'J':  // 0: to the end of the screen; 2: all of it
        for (int r = first == 2 ? 0 : row_; r < rows_; ++r) {
          for (int c = (first != 2 && r == row_) ? column_ : 0; c < columns_;
               ++c) {
            cells_[r][c] = ' ';
          }
        }
        break;
      default:
        ADD_FAILURE() << "unexpected sequence " << arguments << command;
    }
  }

  int columns_ = 0, rows_ = 0;
  int row_ = 0, column_ = 0;
  std::vector<std::string> cells_;
  int overflow_ = 0;
  int scrolled_ = 0;
};

// Size-class rows are those that start with "<size> B".
int ClassRows(const Screen& screen) {
  int count = 0;
  for (const std::string& row : screen.Rows()) {
    const std::vector<std::string> words =
        absl::StrSplit(row, ' ', absl::SkipEmpty());
    if (words.size() >= 2 && words[1] == "B") ++count;
  }
  return count;
}

class HeapctlTopTest : public HeapdTest {
 protected:
  HeapctlTopTest() : HeapdTest(std::chrono::seconds(30)) {}

  void SetUp() override { Start({"--stats_publish_interval_ms=0"}); }

  // Objects of `count` sizes, each in a size class of its own; returns
  // how many classes they occupy.
  int FillSizeClasses(int count) {
    const std::string session = OpenSession(/*ttl_ms=*/600000);
    std::set<int> classes;
    for (int i = 0; i < count; ++i) {
      v1::AllocateRequest request;
      request.set_session_id(session);
      request.set_type(v1::BYTES);
      request.set_length(16 * i);
      v1::AllocateResponse response;
      const grpc::Status status =
          Call(&v1::Heap::Stub::Allocate, request, &response);
      EXPECT_TRUE(status.ok()) << status.error_message();
      for (const v1::AllocatedObject& object : response.objects()) {
        classes.insert(object.size_class());
      }
    }
    return static_cast<int>(classes.size());
  }
};

TEST_F(HeapctlTopTest, DrawsAtTheTerminalsSizeAndRedrawsOnResize) {
  const int classes = FillSizeClasses(20);
  ASSERT_EQ(classes, 20);
  // A refresh an hour away: every frame after the first is a redraw for a
  // resize.
  absl::StatusOr<std::unique_ptr<PtyChild>> top = PtyChild::Start(
      {"top", "--server=" + address_, "--interval_ms=3600000"}, 160, 50);
  ASSERT_TRUE(top.ok()) << top.status();
  // The first frame is whole once its last line is.
  ASSERT_TRUE((*top)->WaitForOutput("RPCs/s: (next frame)", 1, kPatience).ok())
      << (*top)->output();
  Screen screen(160, 50);
  screen.Feed((*top)->output());
  size_t fed = (*top)->output().size();
  EXPECT_EQ(screen.overflow(), 0) << screen.Text();
  EXPECT_EQ(screen.scrolled(), 0) << screen.Text();
  // Every class in use, and room to spare.
  EXPECT_EQ(ClassRows(screen), classes) << screen.Text();
  EXPECT_THAT(screen.Text(), Not(HasSubstr("more classes")));
  EXPECT_THAT(screen.Rows()[0], StartsWith("heapd "));
  EXPECT_THAT(screen.Rows()[3], StartsWith("Size classes:"));

  // Smaller: the fullest classes that fit and a count of the others.
  (*top)->Resize(80, 24);
  screen.Resize(80, 24);
  ASSERT_TRUE((*top)->WaitForOutput("RPCs/s: (next frame)", 2, kPatience).ok())
      << (*top)->output();
  screen.Feed(absl::string_view((*top)->output()).substr(fed));
  fed = (*top)->output().size();
  EXPECT_EQ(screen.overflow(), 0) << screen.Text();
  EXPECT_EQ(screen.scrolled(), 0) << screen.Text();
  std::vector<std::string> rows = screen.Rows();
  EXPECT_THAT(rows[0], StartsWith("heapd "));
  // 4 lines above the classes, 6 below, one for the count.
  EXPECT_EQ(ClassRows(screen), 24 - 4 - 6 - 1) << screen.Text();
  EXPECT_EQ(rows[4 + 13],
            absl::StrCat("  ... ", classes - 13, " more classes in use"))
      << screen.Text();
  EXPECT_EQ(rows[23], "RPCs/s: (next frame)") << screen.Text();

  // Narrow: whole fields only; the classes' pools and blocks go first.
  (*top)->Resize(40, 28);
  screen.Resize(40, 28);
  ASSERT_TRUE((*top)->WaitForOutput("RPCs/s: (next frame)", 3, kPatience).ok())
      << (*top)->output();
  screen.Feed(absl::string_view((*top)->output()).substr(fed));
  EXPECT_EQ(screen.overflow(), 0) << screen.Text();
  EXPECT_EQ(screen.scrolled(), 0) << screen.Text();
  EXPECT_EQ(ClassRows(screen), 28 - 4 - 6 - 1) << screen.Text();
  EXPECT_THAT(screen.Text(), Not(HasSubstr(" pools\n")));
  EXPECT_THAT(screen.Text(), HasSubstr("%"));

  (*top)->Type("q");
  absl::StatusOr<int> code = (*top)->WaitForExit(kPatience);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << (*top)->output();
}

TEST_F(HeapctlTopTest, WaitsForARestartedServerAndResumes) {
  FillSizeClasses(3);
  const std::string address = address_;
  absl::StatusOr<std::unique_ptr<PtyChild>> top = PtyChild::Start(
      {"top", "--server=" + address, "--interval_ms=200"}, 100, 30);
  ASSERT_TRUE(top.ok()) << top.status();
  // Two frames: the second has rates.
  ASSERT_TRUE((*top)->WaitForOutput("RPCs/s: Stats", 1, kPatience).ok())
      << (*top)->output();

  // heapd stops (cleanly: it exits 0) and its port is free.
  Stop();
  ASSERT_TRUE((*top)->WaitForOutput(" is gone (", 1, kPatience).ok())
      << (*top)->output();
  size_t gone_at = (*top)->output().find(" is gone (");
  // Once the status line is whole, so is the frame it stands under.
  ASSERT_TRUE((*top)
                  ->WaitUntil(
                      [&](const std::string& out) {
                        return out.find("q quits", gone_at) !=
                               std::string::npos;
                      },
                      kPatience)
                  .ok());
  Screen screen(100, 30);
  screen.Feed((*top)->output());
  EXPECT_EQ(screen.overflow(), 0) << screen.Text();
  std::vector<std::string> rows = screen.Rows();
  // The last frame stays: its title, its classes, its rates.
  EXPECT_THAT(rows[0], StartsWith("heapd "));
  EXPECT_THAT(screen.Text(), HasSubstr("Size classes:"));
  EXPECT_THAT(screen.Text(), HasSubstr("RPCs/s: Stats"));
  EXPECT_EQ(ClassRows(screen), 3) << screen.Text();
  // The status line follows it.
  std::string status;
  for (const std::string& row : rows) {
    if (absl::StrContains(row, " is gone (")) status = row;
  }
  EXPECT_THAT(status,
              MatchesRegex(absl::StrCat(
                  "heapd at ", address,
                  " is gone \\((UNAVAILABLE|CANCELLED)\\); reconnecting "
                  "every 1 s; q quits")))
      << screen.Text();

  // heapd again, on the same port: a new heap, so the first frame after
  // it has no rates (nothing negative), the next one has.
  Start({"--listen=" + address, "--stats_publish_interval_ms=0"});
  ASSERT_EQ(address_, address);
  const size_t restart_at = (*top)->output().size();
  ASSERT_TRUE((*top)
                  ->WaitUntil(
                      [&](const std::string& out) {
                        const size_t fresh =
                            out.find("RPCs/s: (next frame)", restart_at);
                        return fresh != std::string::npos &&
                               out.find("RPCs/s: Stats", fresh) !=
                                   std::string::npos;
                      },
                      kPatience)
                  .ok())
      << (*top)->output();
  // Live again: the next whole frame says nothing of a gone server.
  const size_t live_at = (*top)->output().size();
  ASSERT_TRUE((*top)
                  ->WaitUntil(
                      [&](const std::string& out) {
                        return out.find("RPCs/s: Stats", live_at) !=
                               std::string::npos;
                      },
                      kPatience)
                  .ok());
  Screen live(100, 30);
  live.Feed((*top)->output());
  EXPECT_THAT(live.Text(), Not(HasSubstr("is gone")));
  EXPECT_THAT(live.Text(), Not(HasSubstr("/s -")));
  EXPECT_EQ(live.overflow(), 0) << live.Text();
  EXPECT_EQ(ClassRows(live), 0) << live.Text();  // the new heap is empty

  (*top)->Type("q");
  absl::StatusOr<int> code = (*top)->WaitForExit(kPatience);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << (*top)->output();
  EXPECT_TRUE(absl::EndsWith((*top)->output(), "\x1b[?25h\x1b[?1049l"));
}

TEST_F(HeapctlTopTest, QuitsWhileTheServerIsGone) {
  absl::StatusOr<std::unique_ptr<PtyChild>> top =
      PtyChild::Start({"top", "--server=" + address_, "--interval_ms=200"});
  ASSERT_TRUE(top.ok()) << top.status();
  ASSERT_TRUE((*top)->WaitForOutput("Size classes:", 1, kPatience).ok())
      << (*top)->output();
  // Killed: no goodbye to its clients.
  heapd_->Signal(SIGKILL);
  ASSERT_TRUE(heapd_->WaitForExit(kPatience).ok());
  heapd_.reset();
  ASSERT_TRUE((*top)->WaitForOutput(" is gone (", 1, kPatience).ok())
      << (*top)->output();
  (*top)->Type("q");
  absl::StatusOr<int> code = (*top)->WaitForExit(kPatience);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(*code, 0) << (*top)->output();
  EXPECT_TRUE(absl::EndsWith((*top)->output(), "\x1b[?25h\x1b[?1049l"));
}

}  // namespace
}  // namespace heapd

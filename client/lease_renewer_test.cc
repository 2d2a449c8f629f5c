#include "client/lease_renewer.h"

#include <atomic>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace heapd::client {
namespace {

// Waits (bounded) until `done` holds.
template <typename Predicate>
bool Eventually(Predicate done) {
  const absl::Time deadline = absl::Now() + absl::Seconds(20);
  while (!done()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return true;
}

TEST(LeaseRenewerTest, RenewsRepeatedlyUntilDestroyed) {
  std::atomic<int> calls{0};
  {
    LeaseRenewer renewer(absl::Milliseconds(5), [&] {
      ++calls;
      return absl::OkStatus();
    });
    EXPECT_TRUE(Eventually([&] { return renewer.renewals() >= 3; }));
    EXPECT_TRUE(renewer.last_status().ok());
  }
  const int after = calls.load();
  absl::SleepFor(absl::Milliseconds(30));
  EXPECT_EQ(calls.load(), after) << "renewed after destruction";
}

TEST(LeaseRenewerTest, StopsAtNotFoundAndKeepsTheStatus) {
  std::atomic<int> calls{0};
  LeaseRenewer renewer(absl::Milliseconds(1), [&] {
    ++calls;
    return absl::NotFoundError("unknown session");
  });
  EXPECT_TRUE(Eventually([&] { return renewer.renewals() == 1; }));
  absl::SleepFor(absl::Milliseconds(30));
  EXPECT_EQ(calls.load(), 1);
  EXPECT_TRUE(absl::IsNotFound(renewer.last_status()));
}

TEST(LeaseRenewerTest, KeepsTryingAfterTransientErrors) {
  std::atomic<int> calls{0};
  LeaseRenewer renewer(absl::Milliseconds(1), [&] {
    return ++calls < 3 ? absl::UnavailableError("down") : absl::OkStatus();
  });
  EXPECT_TRUE(Eventually([&] { return calls.load() >= 4; }));
  EXPECT_TRUE(Eventually([&] { return renewer.last_status().ok(); }));
}

TEST(LeaseRenewerTest, DestructionDoesNotWaitForTheInterval) {
  const absl::Time start = absl::Now();
  {
    LeaseRenewer renewer(absl::Hours(1), [] { return absl::OkStatus(); });
  }
  // Not a speed assertion: an hour-long wait would be the bug.
  EXPECT_LT(absl::Now() - start, absl::Minutes(1));
}

}  // namespace
}  // namespace heapd::client

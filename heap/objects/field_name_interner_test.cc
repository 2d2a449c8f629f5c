#include "heap/objects/field_name_interner.h"

#include <vector>

#include "gtest/gtest.h"

namespace heapd::objects {
namespace {

constexpr uint32_t kNotInterned = FieldNameInterner::kNotInterned;

TEST(FieldNameInternerTest, ANameIsInternedOnceAndCountsItsFields) {
  FieldNameInterner names;
  EXPECT_EQ(names.Find("peer"), kNotInterned);
  const uint32_t id = names.Acquire("peer", kNotInterned);
  EXPECT_EQ(names.Find("peer"), id);
  EXPECT_EQ(names.Acquire("peer", names.Find("peer")), id);
  EXPECT_EQ(names.Text(id), "peer");
  EXPECT_EQ(names.size(), 1u);
  EXPECT_TRUE(names.Verify(std::vector<int64_t>{2}).ok());
}

TEST(FieldNameInternerTest, TheLastReleaseDropsTheNameAndFreesItsId) {
  FieldNameInterner names;
  const uint32_t a = names.Acquire("a", kNotInterned);
  const uint32_t b = names.Acquire("b", kNotInterned);
  names.Acquire("a", a);
  names.Release(a);
  EXPECT_EQ(names.Find("a"), a) << "one field still holds it";
  names.Release(a);
  EXPECT_EQ(names.Find("a"), kNotInterned);
  EXPECT_EQ(names.size(), 1u);
  EXPECT_TRUE(names.Verify(std::vector<int64_t>{0, 1}).ok());
  // The freed id serves the next new name, which resolves to it.
  const uint32_t c = names.Acquire("c", kNotInterned);
  EXPECT_EQ(c, a);
  EXPECT_EQ(names.Text(c), "c");
  EXPECT_EQ(names.Find("c"), c);
  EXPECT_EQ(names.Find("b"), b);
  EXPECT_EQ(names.id_limit(), 2u);
  EXPECT_TRUE(names.Verify(std::vector<int64_t>{1, 1}).ok());
}

TEST(FieldNameInternerTest, VerifyNamesAUseCountTheFieldsDisagreeWith) {
  FieldNameInterner names;
  names.Acquire("a", kNotInterned);
  const absl::Status status = names.Verify(std::vector<int64_t>{2});
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_NE(status.message().find("\"a\""), std::string::npos) << status;
  EXPECT_EQ(names.Verify(std::vector<int64_t>{}).code(),
            absl::StatusCode::kInternal);
}

}  // namespace
}  // namespace heapd::objects

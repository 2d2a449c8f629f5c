#include "client/scenario_parser.h"
#include "gtest/gtest.h"
TEST(X, Y) {}

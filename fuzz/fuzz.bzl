"""heapd_fuzz_target: a libFuzzer target and its corpus replay test.

For a target `x` with sources defining LLVMFuzzerTestOneInput (and no main):

  x_fuzzer        under --config=fuzz: the libFuzzer binary (clang-14,
                  -fsanitize=fuzzer,address,undefined). In the default build
                  it links the replay main instead, so `bazel build //...`
                  with g++ still builds it.
  x_replay_test   a plain cc_test (any config, g++ by default) that feeds
                  every file of fuzz/corpus/x and fuzz/regressions/x to the
                  target once: every CI run replays the corpus.
"""

def heapd_fuzz_target(name, srcs, deps = [], size = "small"):
    native.cc_library(
        name = name + "_target",
        srcs = srcs,
        deps = deps,
        # Only libFuzzer's main refers to LLVMFuzzerTestOneInput, and its
        # runtime comes last on the link line: keep the object regardless.
        alwayslink = True,
        testonly = True,
    )
    native.cc_binary(
        name = name + "_fuzzer",
        deps = [":" + name + "_target"] + select({
            "//fuzz:fuzzing": [],
            "//conditions:default": ["//fuzz:replay_main"],
        }),
        linkopts = select({
            "//fuzz:fuzzing": ["-fsanitize=fuzzer"],
            "//conditions:default": [],
        }),
        testonly = True,
    )
    native.cc_test(
        name = name + "_replay_test",
        size = size,
        deps = [
            ":" + name + "_target",
            "//fuzz:replay_main",
        ],
        data = native.glob([
            "corpus/%s/**" % name,
            "regressions/%s/**" % name,
        ]),
        args = [
            "fuzz/corpus/" + name,
            "fuzz/regressions/" + name,
        ],
    )

"""A repository of Debian's system C++ libraries, one cc_library per library.

Headers live in /usr/include, which the auto-configured toolchain already
searches, so each target only carries link options. They are read from
pkg-config at fetch time, so the list of -l flags lives in one place (Debian's
.pc files) rather than being copied into BUILD files.
"""

# target name -> (pkg-config modules, extra linkopts)
_LIBRARIES = {
    "grpc++": (["grpc++"], []),
    "grpc++_reflection": (["grpc++"], ["-lgrpc++_reflection"]),
    "protobuf": (["protobuf"], []),
    "absl": ([
        "absl_base",
        "absl_flags",
        "absl_flags_parse",
        "absl_flags_usage",
        "absl_hash",
        "absl_raw_hash_set",
        "absl_random_random",
        "absl_status",
        "absl_statusor",
        "absl_str_format",
        "absl_strings",
        "absl_synchronization",
        "absl_time",
    ], []),
    "gtest": (["gtest"], []),
    "gtest_main": (["gtest_main"], []),
    "gmock": (["gmock"], []),
    "benchmark": (["benchmark"], []),
    "benchmark_main": (["benchmark"], ["-lbenchmark_main"]),
    # prometheus-cpp 1.0.1's metric types and text serializer.
    "prometheus_core": (["prometheus-cpp-core"], []),
    # Debian ships civetweb without a .pc file.
    "civetweb": ([], ["-lcivetweb"]),
    # libpython3.11, to embed the interpreter (tools/pytrace). Its headers
    # are in /usr/include/python3.11: users add it with -isystem.
    "python3_embed": (["python3-embed"], []),
}

def _pkg_config_libs(ctx, modules):
    if not modules:
        return []
    result = ctx.execute(["pkg-config", "--libs"] + modules)
    if result.return_code != 0:
        fail("pkg-config --libs %s failed (run tools/setup first): %s" %
             (" ".join(modules), result.stderr))
    flags = []
    for flag in result.stdout.strip().split(" "):
        if flag and flag not in flags:
            flags.append(flag)
    return flags

def _system_libs_impl(ctx):
    build = ['package(default_visibility = ["//visibility:public"])', ""]
    for name, (modules, extra) in _LIBRARIES.items():
        linkopts = extra + _pkg_config_libs(ctx, modules)
        build.append("cc_library(")
        build.append('    name = "%s",' % name)
        build.append("    linkopts = %s," % repr(linkopts))
        build.append(")")
        build.append("")
    ctx.file("WORKSPACE", 'workspace(name = "%s")\n' % ctx.name)
    ctx.file("BUILD", "\n".join(build))

system_libs = repository_rule(
    implementation = _system_libs_impl,
    local = True,
    doc = "Debian's gRPC, Protobuf, Abseil, GoogleTest, Benchmark, prometheus-cpp and civetweb as cc_library targets.",
)

#include "server/metrics/exposition.h"

#include <prometheus/text_serializer.h>

#include <cmath>
#include <cstdint>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace heapd::server::metrics {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

std::string Number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 9.007199254740992e15) {
    return absl::StrCat(static_cast<int64_t>(value));
  }
  return absl::StrFormat("%.17g", value);
}

std::string Escape(absl::string_view text, bool quotes) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

// `name{labels,extra}`: extra is an already-formatted label or "".
std::string Sample(absl::string_view name,
                   const std::vector<ClientMetric::Label>& labels,
                   absl::string_view extra, double value) {
  std::string out(name);
  if (!labels.empty() || !extra.empty()) {
    out += '{';
    bool first = true;
    for (const ClientMetric::Label& label : labels) {
      if (!first) out += ',';
      first = false;
      absl::StrAppend(&out, label.name, "=\"", Escape(label.value, true), "\"");
    }
    if (!extra.empty()) absl::StrAppend(&out, first ? "" : ",", extra);
    out += '}';
  }
  absl::StrAppend(&out, " ", Number(value), "\n");
  return out;
}

std::string OpenMetrics(const std::vector<MetricFamily>& families) {
  std::string out;
  for (const MetricFamily& family : families) {
    std::string name = family.name;
    const char* type = "unknown";
    switch (family.type) {
      case MetricType::Counter:
        type = "counter";
        name = std::string(absl::StripSuffix(family.name, "_total"));
        break;
      case MetricType::Gauge:
        type = "gauge";
        break;
      case MetricType::Histogram:
        type = "histogram";
        break;
      case MetricType::Summary:
        type = "summary";
        break;
      default:
        break;
    }
    absl::StrAppend(&out, "# TYPE ", name, " ", type, "\n", "# HELP ", name,
                    " ", Escape(family.help, true), "\n");
    for (const ClientMetric& m : family.metric) {
      switch (family.type) {
        case MetricType::Counter:
          out += Sample(name + "_total", m.label, "", m.counter.value);
          break;
        case MetricType::Gauge:
          out += Sample(name, m.label, "", m.gauge.value);
          break;
        case MetricType::Histogram:
          for (const ClientMetric::Bucket& b : m.histogram.bucket) {
            out += Sample(name + "_bucket", m.label,
                          absl::StrCat("le=\"", Number(b.upper_bound), "\""),
                          static_cast<double>(b.cumulative_count));
          }
          out += Sample(name + "_count", m.label, "",
                        static_cast<double>(m.histogram.sample_count));
          out += Sample(name + "_sum", m.label, "", m.histogram.sample_sum);
          break;
        case MetricType::Summary:
          for (const ClientMetric::Quantile& q : m.summary.quantile) {
            out += Sample(name, m.label,
                          absl::StrCat("quantile=\"", Number(q.quantile), "\""),
                          q.value);
          }
          out += Sample(name + "_count", m.label, "",
                        static_cast<double>(m.summary.sample_count));
          out += Sample(name + "_sum", m.label, "", m.summary.sample_sum);
          break;
        default:
          out += Sample(name, m.label, "", m.untyped.value);
          break;
      }
    }
  }
  out += "# EOF\n";
  return out;
}

}  // namespace

Format NegotiateFormat(absl::string_view accept) {
  for (absl::string_view range : absl::StrSplit(accept, ',')) {
    std::vector<absl::string_view> parts = absl::StrSplit(range, ';');
    if (absl::StripAsciiWhitespace(parts[0]) !=
        "application/openmetrics-text") {
      continue;
    }
    bool refused = false;
    for (size_t i = 1; i < parts.size(); ++i) {
      absl::string_view p = absl::StripAsciiWhitespace(parts[i]);
      if (absl::ConsumePrefix(&p, "q=")) {
        double q = 1;
        if (absl::SimpleAtod(p, &q) && q <= 0) refused = true;
      }
    }
    if (!refused) return Format::kOpenMetrics;
  }
  return Format::kText;
}

const char* ContentType(Format format) {
  return format == Format::kOpenMetrics
             ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
             : "text/plain; version=0.0.4; charset=utf-8";
}

std::string Serialize(const std::vector<MetricFamily>& families,
                      Format format) {
  if (format == Format::kOpenMetrics) return OpenMetrics(families);
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace heapd::server::metrics

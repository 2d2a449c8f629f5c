#include "server/metrics/exposition.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace heapd::server::metrics {
namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

// Appends `value` as printf("%.<precision>g") does in the C locale.
// std::to_chars is specified to match it and is several times faster than
// printf (and than an ostream, which goes through printf and a locale).
void AppendGeneral(std::string* out, double value, int precision) {
  char buffer[64];
  const std::to_chars_result r =
      std::to_chars(buffer, buffer + sizeof(buffer), value,
                    std::chars_format::general, precision);
  out->append(buffer, r.ptr);
}

// The text format's numbers, as prometheus-cpp 1.0.1's TextSerializer
// writes them: an ostream in the classic locale with precision 16, that is
// %.16g, and "Nan", "+Inf", "-Inf". %.16g prints an integer below 10^16 in
// full, so those take the integer path (-0 keeps its sign).
void AppendTextValue(std::string* out, double value) {
  if (std::isnan(value)) {
    out->append("Nan");
  } else if (std::isinf(value)) {
    out->append(value < 0 ? "-Inf" : "+Inf");
  } else if (value == std::trunc(value) && std::fabs(value) < 1e16 &&
             !(value == 0 && std::signbit(value))) {
    absl::StrAppend(out, static_cast<int64_t>(value));
  } else {
    AppendGeneral(out, value, 16);
  }
}

// OpenMetrics numbers: integers below 2^53 in full (-0 as 0), others in the
// shortest form that reads back to the same double, so a bucket bound of
// 1e-06 is the label value `le="1e-06"` a dashboard shows.
void AppendOpenMetricsValue(std::string* out, double value) {
  if (std::isnan(value)) {
    out->append("NaN");
  } else if (std::isinf(value)) {
    out->append(value > 0 ? "+Inf" : "-Inf");
  } else if (value == std::floor(value) &&
             std::fabs(value) < 9.007199254740992e15) {
    absl::StrAppend(out, static_cast<int64_t>(value));
  } else {
    char buffer[32];
    const std::to_chars_result r =
        std::to_chars(buffer, buffer + sizeof(buffer), value);
    out->append(buffer, r.ptr);
  }
}

// Appends `text` with backslashes and newlines escaped, and double quotes
// when `quotes` (label values, and OpenMetrics' HELP).
void AppendEscaped(std::string* out, absl::string_view text, bool quotes) {
  const absl::string_view special = quotes ? "\\\n\"" : "\\\n";
  if (text.find_first_of(special) == absl::string_view::npos) {
    out->append(text.data(), text.size());
    return;
  }
  for (char c : text) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '"' && quotes) {
      out->append("\\\"");
    } else {
      out->push_back(c);
    }
  }
}

// Writes sample lines, `name suffix{labels,extra="x"} value`, into one
// string. A metric's labels are escaped once for all its lines, and bucket
// bounds, the same in every histogram, are formatted once per exposition.
class Writer {
 public:
  Writer(std::string* out, bool open_metrics)
      : out_(*out), open_metrics_(open_metrics) {}

  // The metric whose lines follow, under the family name `name`.
  void Begin(absl::string_view name, const ClientMetric& metric) {
    name_ = name;
    labels_.clear();
    for (const ClientMetric::Label& label : metric.label) {
      if (!labels_.empty()) labels_.push_back(',');
      absl::StrAppend(&labels_, label.name, "=\"");
      AppendEscaped(&labels_, label.value, /*quotes=*/true);
      labels_.push_back('"');
    }
  }

  // A line with the metric's labels only.
  template <typename T>
  void Line(absl::string_view suffix, T value) {
    Head(suffix);
    if (!labels_.empty()) {
      out_.push_back('{');
      out_.append(labels_);
      out_.push_back('}');
    }
    out_.push_back(' ');
    Value(value);
  }

  // A bucket's line: le is bucket `index`'s `bound`.
  template <typename T>
  void Bucket(size_t index, double bound, T count) {
    if (index >= bounds_.size()) bounds_.resize(index + 1);
    auto& [cached, text] = bounds_[index];
    if (text.empty() ||
        std::bit_cast<uint64_t>(cached) != std::bit_cast<uint64_t>(bound)) {
      cached = bound;
      text.clear();
      Format(&text, bound);
    }
    LineWith("_bucket", "le", text, count);
  }

  // A quantile's line.
  void Quantile(double quantile, double value) {
    std::string text;
    Format(&text, quantile);
    LineWith("", "quantile", text, value);
  }

  std::string& out() { return out_; }

 private:
  template <typename T>
  void LineWith(absl::string_view suffix, absl::string_view extra_name,
                absl::string_view extra_text, T value) {
    Head(suffix);
    out_.push_back('{');
    out_.append(labels_);
    if (!labels_.empty()) out_.push_back(',');
    out_.append(extra_name.data(), extra_name.size());
    out_.append("=\"");
    out_.append(extra_text.data(), extra_text.size());
    out_.append("\"} ");
    Value(value);
  }
  void Head(absl::string_view suffix) {
    out_.append(name_.data(), name_.size());
    out_.append(suffix.data(), suffix.size());
  }
  void Format(std::string* out, double value) const {
    if (open_metrics_) {
      AppendOpenMetricsValue(out, value);
    } else {
      AppendTextValue(out, value);
    }
  }
  void Value(double value) { Format(&out_, value); }
  void Value(uint64_t value) { absl::StrAppend(&out_, value); }

  std::string& out_;
  const bool open_metrics_;
  absl::string_view name_;
  std::string labels_;
  // By bucket index: the bound and its text.
  std::vector<std::pair<double, std::string>> bounds_;
};

// The text format, 0.0.4, laid out as prometheus-cpp 1.0.1's
// TextSerializer lays it out (tests compare the two byte for byte): HELP
// (when there is one) then TYPE; a histogram's or summary's count and sum
// before its buckets or quantiles; a +Inf bucket added when the last bound
// is finite; a sample's timestamp when it has one. Unlike it, a newline in
// a label value or HELP is written as \n, as the format asks.
void AppendTextSample(Writer& line, const MetricFamily& family,
                      const ClientMetric& m) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  std::string& out = line.out();
  line.Begin(family.name, m);
  switch (family.type) {
    case MetricType::Counter:
      line.Line("", m.counter.value);
      break;
    case MetricType::Gauge:
      line.Line("", m.gauge.value);
      break;
    case MetricType::Summary:
      line.Line("_count", m.summary.sample_count);
      out.push_back('\n');
      line.Line("_sum", m.summary.sample_sum);
      for (const ClientMetric::Quantile& q : m.summary.quantile) {
        out.push_back('\n');
        line.Quantile(q.quantile, q.value);
      }
      break;
    case MetricType::Histogram: {
      line.Line("_count", m.histogram.sample_count);
      out.push_back('\n');
      line.Line("_sum", m.histogram.sample_sum);
      double last = -kInf;
      size_t index = 0;
      for (const ClientMetric::Bucket& b : m.histogram.bucket) {
        out.push_back('\n');
        line.Bucket(index++, b.upper_bound, b.cumulative_count);
        last = b.upper_bound;
      }
      if (last != kInf) {
        out.push_back('\n');
        line.Bucket(index, kInf, m.histogram.sample_count);
      }
      break;
    }
    default:
      line.Line("", m.untyped.value);
      break;
  }
  if (m.timestamp_ms != 0) absl::StrAppend(&out, " ", m.timestamp_ms);
  out.push_back('\n');
}

void AppendText(const std::vector<MetricFamily>& families, std::string* out) {
  Writer line(out, /*open_metrics=*/false);
  for (const MetricFamily& family : families) {
    if (!family.help.empty()) {
      absl::StrAppend(out, "# HELP ", family.name, " ");
      AppendEscaped(out, family.help, /*quotes=*/false);
      out->push_back('\n');
    }
    const char* type = "untyped";
    switch (family.type) {
      case MetricType::Counter:
        type = "counter";
        break;
      case MetricType::Gauge:
        type = "gauge";
        break;
      case MetricType::Summary:
        type = "summary";
        break;
      case MetricType::Histogram:
        type = "histogram";
        break;
      default:
        break;
    }
    absl::StrAppend(out, "# TYPE ", family.name, " ", type, "\n");
    for (const ClientMetric& m : family.metric) {
      AppendTextSample(line, family, m);
    }
  }
}

// OpenMetrics 1.0.0: TYPE then HELP (always); a counter family named
// without "_total", its samples with it; buckets or quantiles, then count
// and sum; no timestamps; "# EOF" at the end.
void AppendOpenMetrics(const std::vector<MetricFamily>& families,
                       std::string* out) {
  Writer line(out, /*open_metrics=*/true);
  for (const MetricFamily& family : families) {
    absl::string_view name = family.name;
    const char* type = "unknown";
    switch (family.type) {
      case MetricType::Counter:
        type = "counter";
        name = absl::StripSuffix(name, "_total");
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
    absl::StrAppend(out, "# TYPE ", name, " ", type, "\n# HELP ", name, " ");
    AppendEscaped(out, family.help, /*quotes=*/true);
    out->push_back('\n');
    for (const ClientMetric& m : family.metric) {
      line.Begin(name, m);
      switch (family.type) {
        case MetricType::Counter:
          line.Line("_total", m.counter.value);
          break;
        case MetricType::Gauge:
          line.Line("", m.gauge.value);
          break;
        case MetricType::Histogram: {
          size_t index = 0;
          for (const ClientMetric::Bucket& b : m.histogram.bucket) {
            line.Bucket(index++, b.upper_bound,
                        static_cast<double>(b.cumulative_count));
            out->push_back('\n');
          }
          line.Line("_count", static_cast<double>(m.histogram.sample_count));
          out->push_back('\n');
          line.Line("_sum", m.histogram.sample_sum);
          break;
        }
        case MetricType::Summary:
          for (const ClientMetric::Quantile& q : m.summary.quantile) {
            line.Quantile(q.quantile, q.value);
            out->push_back('\n');
          }
          line.Line("_count", static_cast<double>(m.summary.sample_count));
          out->push_back('\n');
          line.Line("_sum", m.summary.sample_sum);
          break;
        default:
          line.Line("", m.untyped.value);
          break;
      }
      out->push_back('\n');
    }
  }
  out->append("# EOF\n");
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

void SerializeTo(const std::vector<MetricFamily>& families, Format format,
                 std::string* out) {
  if (format == Format::kOpenMetrics) {
    AppendOpenMetrics(families, out);
  } else {
    AppendText(families, out);
  }
}

std::string Serialize(const std::vector<MetricFamily>& families,
                      Format format) {
  std::string out;
  SerializeTo(families, format, &out);
  return out;
}

}  // namespace heapd::server::metrics

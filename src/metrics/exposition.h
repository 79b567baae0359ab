// metrics/: Prometheus metrics — a registry of counters, gauges and
// histograms with labels (registry.h), the text exposition format 0.0.4
// (this file: the one place that knows how a sample is written), and
// node-exporter textfiles (textfile.h). The service's metrics are in
// server/service_metrics.h, paymentsctl's in cli/job_metrics.h; README
// "Metrics" lists them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pb::metrics {

// The Content-Type of an exposition (what Prometheus asks for).
inline constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

enum class Type { kCounter, kGauge, kHistogram };
const char* TypeName(Type type);  // "counter", "gauge", "histogram"

// [a-zA-Z_:][a-zA-Z0-9_:]* and [a-zA-Z_][a-zA-Z0-9_]* (not "__" reserved
// prefixes): the names the format accepts.
bool IsValidMetricName(std::string_view name);
bool IsValidLabelName(std::string_view name);

// A sample value: integers exactly ("42", up to 2^53), others in the
// shortest form that reads back the same, fixed or with an exponent as %g
// chooses, like Prometheus's Go clients ("0.0001", "1e-06",
// "1.70000000025e+09"), "+Inf", "-Inf", "NaN".
std::string FormatValue(double value);

// Appends "# HELP name help\n# TYPE name type\n". Backslashes and newlines
// of `help` are escaped.
void AppendHeader(std::string* out, std::string_view name, Type type, std::string_view help);

// The sample's series: name+suffix, then {name="value",...} when there are
// labels (values escaped: backslash, double quote, newline). `label_names`
// and `label_values` have the same size; `le`, when set, is one more label
// (a histogram bucket's upper bound).
std::string SeriesKey(std::string_view name, std::string_view suffix, const std::vector<std::string>& label_names,
                      const std::vector<std::string>& label_values, std::optional<double> le = std::nullopt);

// Appends "<series> <value>\n".
void AppendSample(std::string* out, const std::string& series, double value);

// The value of the sample whose series is exactly `series` (as SeriesKey
// writes it) in an exposition `text`; nullopt when there is none or its
// value does not parse. For reading back a textfile this program wrote.
std::optional<double> FindSample(std::string_view text, std::string_view series);

}  // namespace pb::metrics

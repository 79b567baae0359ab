#include "metrics/exposition.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>

namespace pb::metrics {
namespace {

// A metric name may hold colons; a label name may not.
enum class NameKind { kMetric, kLabel };

bool IsNameChar(char c, bool first, NameKind kind) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (c == ':') return kind == NameKind::kMetric;
  return !first && c >= '0' && c <= '9';
}

bool IsValidName(std::string_view name, NameKind kind) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!IsNameChar(name[i], i == 0, kind)) return false;
  }
  return true;
}

// Where escaped text goes: a label value escapes the double quote too;
// HELP text keeps its double quotes.
enum class EscapedText { kHelp, kLabelValue };

// Escapes backslash and newline, and in a label value the double quote.
void AppendEscaped(std::string* out, std::string_view text, EscapedText where) {
  for (char c : text) {
    if (c == '\\') {
      out->append("\\\\");
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '"' && where == EscapedText::kLabelValue) {
      out->append("\\\"");
    } else {
      out->push_back(c);
    }
  }
}

}  // namespace

const char* TypeName(Type type) {
  switch (type) {
    case Type::kCounter: return "counter";
    case Type::kGauge: return "gauge";
    case Type::kHistogram: return "histogram";
  }
  return "untyped";
}

bool IsValidMetricName(std::string_view name) { return IsValidName(name, NameKind::kMetric); }

bool IsValidLabelName(std::string_view name) {
  return IsValidName(name, NameKind::kLabel) && name.substr(0, 2) != "__";
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[64];
  std::to_chars_result r;
  if (value == std::floor(value) && std::fabs(value) <= 9007199254740992.0) {
    r = std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(value));
  } else {
    r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::general);  // like %g, shortest
  }
  return std::string(buf, r.ptr);
}

void AppendHeader(std::string* out, std::string_view name, Type type, std::string_view help) {
  out->append("# HELP ").append(name).push_back(' ');
  AppendEscaped(out, help, EscapedText::kHelp);
  out->append("\n# TYPE ").append(name).push_back(' ');
  out->append(TypeName(type)).push_back('\n');
}

std::string SeriesKey(std::string_view name, std::string_view suffix, const std::vector<std::string>& label_names,
                      const std::vector<std::string>& label_values, std::optional<double> le) {
  std::string out;
  out.append(name).append(suffix);
  if (label_names.empty() && !le) return out;
  out.push_back('{');
  for (size_t i = 0; i < label_names.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.append(label_names[i]).append("=\"");
    AppendEscaped(&out, i < label_values.size() ? label_values[i] : "", EscapedText::kLabelValue);
    out.push_back('"');
  }
  if (le) {
    if (!label_names.empty()) out.push_back(',');
    out.append("le=\"").append(FormatValue(*le)).push_back('"');
  }
  out.push_back('}');
  return out;
}

void AppendSample(std::string* out, const std::string& series, double value) {
  out->append(series).push_back(' ');
  out->append(FormatValue(value)).push_back('\n');
}

std::optional<double> FindSample(std::string_view text, std::string_view series) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.size() <= series.size() || line.substr(0, series.size()) != series || line[series.size()] != ' ') {
      continue;
    }
    std::string value(line.substr(series.size() + 1));
    value = value.substr(0, value.find(' '));  // a timestamp may follow
    char* parsed_end = nullptr;
    double v = std::strtod(value.c_str(), &parsed_end);
    if (value.empty() || parsed_end != value.c_str() + value.size()) return std::nullopt;
    return v;
  }
  return std::nullopt;
}

}  // namespace pb::metrics

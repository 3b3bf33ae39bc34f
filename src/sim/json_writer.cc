#include "src/sim/json_writer.h"

#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace manychip::sim::internal {

std::string FormatDouble(double v, int decimals) {
  if (!std::isfinite(v)) return "null";
  std::string s = absl::StrFormat("%.*f", decimals, v);
  if (s == absl::StrFormat("-%.*f", decimals, 0.0)) s = s.substr(1);  // no "-0.0000"
  return s;
}

void JsonWriter::Separator() {
  if (first_.empty()) return;
  if (!first_.back()) out_.push_back(',');
  first_.back() = false;
}

void JsonWriter::Quoted(absl::string_view s) {
  out_.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"':
        out_ += "\\\"";
        break;
      case '\\':
        out_ += "\\\\";
        break;
      case '\n':
        out_ += "\\n";
        break;
      case '\t':
        out_ += "\\t";
        break;
      case '\r':
        out_ += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out_ += absl::StrFormat("\\u%04x", static_cast<int>(c));
        } else {
          out_.push_back(c);
        }
    }
  }
  out_.push_back('"');
}

void JsonWriter::Key(absl::string_view key) {
  Separator();
  if (!key.empty()) {
    Quoted(key);
    out_.push_back(':');
  }
}

void JsonWriter::BeginObject() { BeginObject(""); }

void JsonWriter::BeginObject(absl::string_view key) {
  Key(key);
  out_.push_back('{');
  first_.push_back(true);
}

void JsonWriter::EndObject() {
  out_.push_back('}');
  first_.pop_back();
}

void JsonWriter::BeginArray(absl::string_view key) {
  Key(key);
  out_.push_back('[');
  first_.push_back(true);
}

void JsonWriter::EndArray() {
  out_.push_back(']');
  first_.pop_back();
}

void JsonWriter::String(absl::string_view key, absl::string_view value) {
  Key(key);
  Quoted(value);
}

void JsonWriter::Int(absl::string_view key, int64_t value) {
  Key(key);
  absl::StrAppend(&out_, value);
}

void JsonWriter::Double(absl::string_view key, double value, int decimals) {
  Key(key);
  out_ += FormatDouble(value, decimals);
}

void JsonWriter::IntArray(absl::string_view key, const std::vector<int64_t>& values) {
  BeginArray(key);
  for (int64_t v : values) Int("", v);
  EndArray();
}

void JsonWriter::DoubleArray(absl::string_view key, const std::vector<double>& values,
                             int decimals) {
  BeginArray(key);
  for (double v : values) Double("", v, decimals);
  EndArray();
}

}  // namespace manychip::sim::internal

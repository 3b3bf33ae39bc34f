// wire.h: the few protobuf wire-format helpers the example adapter needs to
// read and write manychip.v1.Adapter* messages without linking protobuf.
//
// Why not generated code: a .so that links its own copy of the generated
// messages registers the same descriptors as the host's copy in the shared
// libprotobuf, which aborts at load. A vendor may instead link protobuf
// statically with hidden symbols; for a sample, the wire format is small.

#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

namespace example_wire {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kLen = 2, kFixed32 = 5 };

class Writer {
 public:
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void Tag(uint32_t field, WireType type) { Varint((uint64_t{field} << 3) | type); }
  void Int(uint32_t field, int64_t v) {
    Tag(field, kVarint);
    Varint(static_cast<uint64_t>(v));
  }
  void Bytes(uint32_t field, std::string_view s) {
    Tag(field, kLen);
    Varint(s.size());
    out_.append(s.data(), s.size());
  }
  // map<string, string> entry.
  void MapEntry(uint32_t field, std::string_view key, std::string_view value) {
    Writer e;
    e.Bytes(1, key);
    e.Bytes(2, value);
    Bytes(field, e.str());
  }
  const std::string& str() const { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool Next() {
    if (pos_ >= in_.size()) return false;
    const uint64_t key = Varint();
    field_ = static_cast<uint32_t>(key >> 3);
    type_ = static_cast<WireType>(key & 7);
    return true;
  }
  uint32_t field() const { return field_; }
  WireType type() const { return type_; }
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= in_.size()) throw std::runtime_error("truncated varint");
      const uint8_t b = static_cast<uint8_t>(in_[pos_++]);
      v |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) return v;
    }
    throw std::runtime_error("varint too long");
  }
  std::string_view Len() {
    const uint64_t n = Varint();
    if (n > in_.size() - pos_) throw std::runtime_error("truncated field");
    std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  void Skip() {
    switch (type_) {
      case kVarint:
        Varint();
        return;
      case kLen:
        Len();
        return;
      case kFixed64:
        Advance(8);
        return;
      case kFixed32:
        Advance(4);
        return;
    }
    throw std::runtime_error("unknown wire type");
  }
  // Repeated varint field, packed or not; calls f(value) for each.
  template <typename F>
  void Varints(F f) {
    if (type_ == kVarint) {
      f(Varint());
      return;
    }
    Reader packed(Len());
    while (packed.pos_ < packed.in_.size()) f(packed.Varint());
  }

 private:
  void Advance(size_t n) {
    if (n > in_.size() - pos_) throw std::runtime_error("truncated fixed field");
    pos_ += n;
  }
  std::string_view in_;
  size_t pos_ = 0;
  uint32_t field_ = 0;
  WireType type_ = kVarint;
};

inline int64_t ZigZagDecode(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

}  // namespace example_wire

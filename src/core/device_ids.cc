#include "src/core/device_ids.h"

#include <cstring>

namespace manychip::internal {
namespace {

uint32_t ReadU32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

void WriteU32(char* p, uint32_t v) { std::memcpy(p, &v, sizeof(v)); }

}  // namespace

DeviceIds::DeviceIds(const DeviceList::Table& devices) {
  size_t chars = 0;
  for (const DeviceSpec& d : devices) chars += d.uuid.size() + d.pci_bus_id.size();
  if (chars == 0) return;  // nothing to keep: no allocation
  const size_t fields = 2 * devices.size();
  const size_t header = sizeof(uint32_t) * (1 + fields);
  data_ = std::make_unique<char[]>(header + chars);
  WriteU32(data_.get(), static_cast<uint32_t>(devices.size()));
  size_t end = 0;
  char* text = data_.get() + header;
  size_t k = 0;
  for (const DeviceSpec& d : devices) {
    for (const std::string* s : {&d.uuid, &d.pci_bus_id}) {
      std::memcpy(text + end, s->data(), s->size());
      end += s->size();
      WriteU32(data_.get() + sizeof(uint32_t) * (1 + k++), static_cast<uint32_t>(end));
    }
  }
}

uint32_t DeviceIds::Count() const { return data_ == nullptr ? 0 : ReadU32(data_.get()); }

absl::string_view DeviceIds::Field(size_t k) const {
  const size_t fields = 2 * static_cast<size_t>(Count());
  if (k >= fields) return absl::string_view();
  const char* ends = data_.get() + sizeof(uint32_t);
  const size_t begin = k == 0 ? 0 : ReadU32(ends + sizeof(uint32_t) * (k - 1));
  const size_t end = ReadU32(ends + sizeof(uint32_t) * k);
  return absl::string_view(data_.get() + sizeof(uint32_t) * (1 + fields) + begin, end - begin);
}

size_t DeviceIds::MemoryBytes() const {
  const size_t fields = 2 * static_cast<size_t>(Count());
  if (fields == 0) return 0;
  return sizeof(uint32_t) * (1 + fields) +
         ReadU32(data_.get() + sizeof(uint32_t) * fields);  // last end = all chars
}

}  // namespace manychip::internal

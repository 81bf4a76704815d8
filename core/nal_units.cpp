#include "nal_units.h"

namespace dvr {

namespace {

// Reads big-endian integers from a record without running past its end.
class Reader {
 public:
  Reader(const uint8_t *data, size_t size) : data_(data), size_(size) {}

  bool skip(size_t n) {
    if (size_ - pos_ < n) return false;
    pos_ += n;
    return true;
  }
  bool byte(unsigned *v) {
    if (pos_ >= size_) return false;
    *v = data_[pos_++];
    return true;
  }
  bool u16(unsigned *v) {
    unsigned hi, lo;
    if (!byte(&hi) || !byte(&lo)) return false;
    *v = (hi << 8) | lo;
    return true;
  }
  bool unit(std::vector<std::vector<uint8_t>> *out) {
    unsigned n;
    if (!u16(&n) || size_ - pos_ < n) return false;
    if (n > 0) out->emplace_back(data_ + pos_, data_ + pos_ + n);
    pos_ += n;
    return true;
  }

 private:
  const uint8_t *data_;
  size_t size_;
  size_t pos_ = 0;
};

bool parse_avcc(Reader &r, DecoderConfig *out) {
  unsigned version, length_byte, sps_count, pps_count;
  if (!r.byte(&version) || version != 1 || !r.skip(3) ||
      !r.byte(&length_byte) || !r.byte(&sps_count))
    return false;
  out->length_size = (length_byte & 3) + 1;
  for (unsigned i = 0; i < (sps_count & 0x1f); i++)
    if (!r.unit(&out->parameter_sets)) return false;
  if (!r.byte(&pps_count)) return false;
  for (unsigned i = 0; i < pps_count; i++)
    if (!r.unit(&out->parameter_sets)) return false;
  return true;
}

bool parse_hvcc(Reader &r, DecoderConfig *out) {
  unsigned version, length_byte, arrays;
  // configurationVersion, then 20 bytes of profile, level and format fields.
  if (!r.byte(&version) || version != 1 || !r.skip(20) ||
      !r.byte(&length_byte) || !r.byte(&arrays))
    return false;
  out->length_size = (length_byte & 3) + 1;
  for (unsigned a = 0; a < arrays; a++) {
    unsigned type, count;
    if (!r.byte(&type) || !r.u16(&count)) return false;
    for (unsigned i = 0; i < count; i++)
      if (!r.unit(&out->parameter_sets)) return false;
  }
  return true;
}

}  // namespace

bool parse_decoder_config(VideoCodec codec, const uint8_t *data, size_t size,
                          DecoderConfig *out) {
  *out = DecoderConfig{};
  Reader r(data, size);
  const bool ok =
      codec == VideoCodec::kH264 ? parse_avcc(r, out) : parse_hvcc(r, out);
  // A length of 3 bytes is not allowed by either format.
  return ok && out->length_size != 3;
}

bool split_length_prefixed(const uint8_t *data, size_t size, size_t length_size,
                           std::vector<NalUnit> *out) {
  out->clear();
  size_t pos = 0;
  while (pos < size) {
    if (size - pos < length_size) return false;
    size_t n = 0;
    for (size_t i = 0; i < length_size; i++) n = (n << 8) | data[pos + i];
    pos += length_size;
    if (size - pos < n) return false;
    if (n > 0) out->push_back({data + pos, n});
    pos += n;
  }
  return true;
}

const std::vector<uint8_t> &access_unit_delimiter(VideoCodec codec) {
  // H.264: nal_unit_type 9, primary_pic_type 7 (any slice type). H.265:
  // nal_unit_type 35, layer 0, temporal id 1, pic_type 2 (any slice type).
  static const std::vector<uint8_t> h264 = {0, 0, 0, 1, 0x09, 0xf0};
  static const std::vector<uint8_t> h265 = {0, 0, 0, 1, 0x46, 0x01, 0x50};
  return codec == VideoCodec::kH264 ? h264 : h265;
}

}  // namespace dvr

#include "rtp_aac_depay.h"

#include <algorithm>

namespace dvr {
namespace {

// Reads bits MSB first; reads past the end give zeros and set overrun.
struct BitReader {
  const uint8_t *data;
  size_t size_bits;
  size_t at = 0;
  bool overrun = false;
  unsigned read(unsigned bits) {
    unsigned value = 0;
    for (unsigned i = 0; i < bits; ++i) {
      unsigned bit = 0;
      if (at < size_bits)
        bit = (data[at / 8] >> (7 - at % 8)) & 1u;
      else
        overrun = true;
      value = value << 1 | bit;
      ++at;
    }
    return value;
  }
};

}  // namespace

void RtpAacDepayloader::push(const RtpPacket &packet) {
  if (have_sequence_ && packet.sequence != next_sequence_) {
    discont_ = true;
    fragment_.clear();
  }
  have_sequence_ = true;
  next_sequence_ = static_cast<uint16_t>(packet.sequence + 1);
  const uint8_t *p = packet.payload;
  const size_t n = packet.payload_size;
  if (n < 2 || layout_.size_length == 0 || layout_.size_length > 16) return;

  const size_t headers_bits = static_cast<size_t>(p[0] << 8 | p[1]);
  const size_t headers_bytes = (headers_bits + 7) / 8;
  if (2 + headers_bytes > n) {
    discont_ = true;
    return;
  }
  const uint8_t *data = p + 2 + headers_bytes;
  size_t left = n - 2 - headers_bytes;

  if (!fragment_.empty()) {
    // The continuation of a frame: one AU header, the same announced size.
    const size_t take = std::min(left, fragment_size_ - fragment_.size());
    fragment_.insert(fragment_.end(), data, data + take);
    if (fragment_.size() == fragment_size_ || packet.marker) {
      if (fragment_.size() == fragment_size_) {
        emit_({fragment_.data(), fragment_.size(), fragment_timestamp_,
               discont_});
        discont_ = false;
      } else {
        discont_ = true;
      }
      fragment_.clear();
    }
    return;
  }

  BitReader headers{p + 2, headers_bits};
  uint32_t timestamp = packet.timestamp;
  bool first = true;
  const unsigned header_bits_first = layout_.size_length + layout_.index_length;
  while (headers.at +
             (first ? header_bits_first
                    : layout_.size_length + layout_.index_delta_length) <=
         headers_bits) {
    const size_t size = headers.read(layout_.size_length);
    headers.read(first ? layout_.index_length : layout_.index_delta_length);
    first = false;
    if (size == 0) continue;
    if (size > left) {
      if (left > 0 && !packet.marker) {
        // The first part of a frame larger than one packet.
        fragment_.assign(data, data + left);
        fragment_size_ = size;
        fragment_timestamp_ = timestamp;
      } else {
        discont_ = true;
      }
      return;
    }
    emit_({data, size, timestamp, discont_});
    discont_ = false;
    data += size;
    left -= size;
    timestamp += layout_.samples_per_frame;
  }
}

}  // namespace dvr

// AAC out of RTP as RFC 3640 mpeg4-generic (mode AAC-hbr or AAC-lbr) carries
// it: AU headers (sizes, from the SDP's sizelength/indexlength) then the
// frames; a frame too large for one packet continues in the next ones. Each
// frame comes out on its own (raw AAC, as audio/mpeg stream-format=raw).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "rtp_packet.h"

namespace dvr {

struct AacFrame {
  const uint8_t *data;  // valid only during the callback
  size_t size;
  uint32_t
      timestamp;  // RTP timestamp: the packet's plus samples_per_frame per earlier frame in it
  bool discont;
};

struct AacLayout {
  unsigned size_length = 13;  // bits of each AU size
  unsigned index_length = 3;  // bits of the first AU index
  unsigned index_delta_length = 3;
  unsigned samples_per_frame = 1024;
};

class RtpAacDepayloader {
 public:
  using Emit = std::function<void(const AacFrame &)>;
  RtpAacDepayloader(AacLayout layout, Emit emit)
      : layout_(layout), emit_(std::move(emit)) {}

  void push(const RtpPacket &packet);

 private:
  AacLayout layout_;
  Emit emit_;
  std::vector<uint8_t> fragment_;  // a frame spread over packets
  size_t fragment_size_ = 0;       // its announced size
  uint32_t fragment_timestamp_ = 0;
  bool have_sequence_ = false;
  uint16_t next_sequence_ = 0;
  bool discont_ = false;
};

}  // namespace dvr

// H.264 (RFC 6184) and H.265 (RFC 7798) out of RTP, into access units of NAL
// units each behind a 4-byte big-endian length (stream-format avc3 / hev1:
// parameter sets may come in the stream itself), which the segment writer
// takes without a parser. One access unit ends at the marker bit, or when a
// packet of another timestamp arrives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "parameter_sets.h"
#include "rtp_packet.h"

namespace dvr {

struct AccessUnit {
  const uint8_t *data;  // valid only during the callback
  size_t size;
  uint32_t timestamp;  // RTP timestamp of its packets
  bool keyframe;       // holds an IDR (H.264) or IRAP (H.265) picture
  bool discont;        // packets were lost before or within it
  // The vector holding data: the callback may move it away instead of copying
  // the bytes (the depayloader then starts its next unit in a new one).
  std::vector<uint8_t> *storage;
};

class RtpVideoDepayloader {
 public:
  using Emit = std::function<void(const AccessUnit &)>;
  RtpVideoDepayloader(VideoCodec codec, Emit emit)
      : codec_(codec), emit_(std::move(emit)) {}

  // Parameter sets announced in the SDP (sprop-parameter-sets, sprop-vps/sps/
  // pps), without start codes. They go in front of keyframes that lack them
  // until the stream carries its own, so that a stream whose camera sends them
  // only in the SDP still decodes from any segment.
  void set_parameter_sets(std::vector<std::vector<uint8_t>> sets) {
    sdp_sets_ = std::move(sets);
  }

  void push(const RtpPacket &packet);

  // Hands on what is pending (at the end of the stream).
  void flush();

 private:
  void add_nal(const uint8_t *nal, size_t size);
  void fragment(const uint8_t *header, size_t header_size, const uint8_t *data,
                size_t size, bool start, bool end);
  void finish();
  bool has_picture() const;
  void note_type(unsigned type);
  unsigned nal_type(const uint8_t *nal) const;

  VideoCodec codec_;
  Emit emit_;
  std::vector<std::vector<uint8_t>> sdp_sets_;
  std::vector<uint8_t> au_;  // reused from one access unit to the next
  std::vector<uint8_t>
      joined_;  // au_ behind the SDP's parameter sets, when they are missing
  uint32_t timestamp_ = 0;
  bool have_sequence_ = false;
  uint16_t next_sequence_ = 0;
  bool keyframe_ = false;
  bool has_parameter_sets_ = false;  // this access unit carries its own
  bool stream_sends_parameter_sets_ = false;
  bool discont_ = false;
  bool in_fragment_ = false;
  size_t fragment_at_ =
      0;  // offset of the length of the NAL unit being reassembled
};

}  // namespace dvr

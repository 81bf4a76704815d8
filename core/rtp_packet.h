// RTP over RTSP's TCP connection (RFC 2326 section 10.12): packets framed as
// '$', a channel byte and a 16-bit length, with the camera's RTSP responses
// (to keep-alives) between them; and the fixed RTP header (RFC 3550 5.1).
// Everything works in place on the receive buffer: nothing is copied.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dvr {

struct InterleavedItem {
  enum class Kind {
    kPacket,       // channel and payload are set
    kRtspMessage,  // an RTSP response: payload is its text and body
    kSkip,         // bytes that are neither (lost framing): skipped to resync
  };
  Kind kind = Kind::kSkip;
  uint8_t channel = 0;
  const uint8_t *payload = nullptr;
  size_t size = 0;
};

// Reads the item at the start of data. Returns the bytes it takes, or 0 when
// data holds only the beginning of one (read more, then call again).
// An RTSP message's header is bounded: more than max_header bytes without its
// end counts as lost framing.
size_t next_interleaved_item(const uint8_t *data, size_t size,
                             InterleavedItem *out, size_t max_header = 8192);

// The status code of an RTSP response ("RTSP/1.0 200 OK"), or 0.
int rtsp_status_code(const uint8_t *text, size_t size);

struct RtpPacket {
  bool marker = false;
  uint8_t payload_type = 0;
  uint16_t sequence = 0;
  uint32_t timestamp = 0;
  uint32_t ssrc = 0;
  const uint8_t *payload = nullptr;  // without CSRCs, extension and padding
  size_t payload_size = 0;
};

// False when the bytes are not a version-2 RTP packet whose header, extension
// and padding fit in them.
bool parse_rtp_packet(const uint8_t *data, size_t size, RtpPacket *out);

}  // namespace dvr

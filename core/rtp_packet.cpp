#include "rtp_packet.h"

#include <cstring>

namespace dvr {
namespace {

uint16_t be16(const uint8_t *p) {
  return static_cast<uint16_t>(p[0] << 8 | p[1]);
}
uint32_t be32(const uint8_t *p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}

// Content-Length of an RTSP header block (case-insensitive name), or 0.
size_t content_length(const uint8_t *head, size_t size) {
  static const char kName[] = "content-length:";
  const size_t n = sizeof kName - 1;
  for (size_t i = 0; i + n <= size; ++i) {
    if (i > 0 && head[i - 1] != '\n') continue;
    size_t k = 0;
    while (k < n && (head[i + k] | 0x20) == (kName[k] | 0x20)) ++k;
    if (k != n) continue;
    size_t value = 0;
    for (size_t j = i + n; j < size && head[j] != '\r' && head[j] != '\n';
         ++j) {
      if (head[j] >= '0' && head[j] <= '9') {
        value = value * 10 + static_cast<size_t>(head[j] - '0');
        if (value > (1u << 24))
          return value;  // absurd: the caller treats it as lost framing
      }
    }
    return value;
  }
  return 0;
}

// A response ("RTSP/1.0 200 OK"), or as much of its start as there is. Only
// responses are expected: the camera answers our keep-alives.
bool starts_like_response(const uint8_t *data, size_t size) {
  static const char kRtsp[] = "RTSP/";
  const size_t n = size < 5 ? size : 5;
  return std::memcmp(data, kRtsp, n) == 0;
}

}  // namespace

size_t next_interleaved_item(const uint8_t *data, size_t size,
                             InterleavedItem *out, size_t max_header) {
  if (size == 0) return 0;
  if (data[0] == '$') {
    if (size < 4) return 0;
    const size_t length = be16(data + 2);
    if (size < 4 + length) return 0;
    out->kind = InterleavedItem::Kind::kPacket;
    out->channel = data[1];
    out->payload = data + 4;
    out->size = length;
    return 4 + length;
  }
  if (starts_like_response(data, size)) {
    const size_t limit = size < max_header ? size : max_header;
    for (size_t i = 0; i + 3 < limit; ++i) {
      if (data[i] == '\r' && data[i + 1] == '\n' && data[i + 2] == '\r' &&
          data[i + 3] == '\n') {
        const size_t body = content_length(data, i);
        if (body > max_header * 64) break;  // lost framing, not a message
        const size_t total = i + 4 + body;
        if (size < total) return 0;
        out->kind = InterleavedItem::Kind::kRtspMessage;
        out->payload = data;
        out->size = total;
        return total;
      }
    }
    if (size < max_header) return 0;
  }
  // Lost framing: skip to what may start the next item, a packet or a
  // response, wherever the reads happen to split the bytes.
  size_t skip = 1;
  while (skip < size && data[skip] != '$' && data[skip] != 'R') ++skip;
  out->kind = InterleavedItem::Kind::kSkip;
  out->payload = data;
  out->size = skip;
  return skip;
}

int rtsp_status_code(const uint8_t *text, size_t size) {
  if (size < 12 || std::memcmp(text, "RTSP/", 5) != 0) return 0;
  size_t i = 5;
  while (i < size && text[i] != ' ') ++i;
  if (i + 4 > size) return 0;
  int code = 0;
  for (size_t k = i + 1; k < i + 4; ++k) {
    if (text[k] < '0' || text[k] > '9') return 0;
    code = code * 10 + (text[k] - '0');
  }
  return code;
}

bool parse_rtp_packet(const uint8_t *data, size_t size, RtpPacket *out) {
  if (size < 12 || (data[0] >> 6) != 2) return false;
  size_t header = 12 + 4 * static_cast<size_t>(data[0] & 0x0f);
  if (size < header) return false;
  if (data[0] & 0x10) {
    if (size < header + 4) return false;
    header += 4 + 4 * static_cast<size_t>(be16(data + header + 2));
    if (size < header) return false;
  }
  size_t padding = 0;
  if (data[0] & 0x20) {
    padding = data[size - 1];
    if (padding == 0 || header + padding > size) return false;
  }
  out->marker = (data[1] & 0x80) != 0;
  out->payload_type = data[1] & 0x7f;
  out->sequence = be16(data + 2);
  out->timestamp = be32(data + 4);
  out->ssrc = be32(data + 8);
  out->payload = data + header;
  out->payload_size = size - header - padding;
  return true;
}

}  // namespace dvr

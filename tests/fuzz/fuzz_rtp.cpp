// libFuzzer target for the lean RTSP source's parsers (core/rtp_*):
// interleaved framing, RTP headers, the H.264/H.265/AAC depayloaders and the
// RTCP reader, fed whatever a camera (or a man in the middle) might send.
//
// Whatever the bytes: no crash, framing consumes every byte exactly once
// however the input is chunked, every access unit is a well-formed sequence
// of 4-byte lengths, and every AAC frame is no larger than the packet it came
// in or the size its header announced. Run it with tests/fuzz/run-fuzz rtp.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "rtcp_report.h"
#include "rtp_aac_depay.h"
#include "rtp_packet.h"
#include "rtp_video_depay.h"

namespace {

void check_access_unit(const dvr::AccessUnit &au) {
  size_t at = 0;
  while (at < au.size) {
    if (au.size - at < 4) abort();
    const size_t n = static_cast<size_t>(au.data[at]) << 24 |
                     static_cast<size_t>(au.data[at + 1]) << 16 |
                     static_cast<size_t>(au.data[at + 2]) << 8 |
                     au.data[at + 3];
    if (n == 0 || n > au.size - at - 4) abort();
    at += 4 + n;
  }
}

// Items found reading data in chunks of the given sizes, as the element does
// with its receive buffer.
size_t consumed_in_chunks(const uint8_t *data, size_t size, size_t chunk) {
  std::vector<uint8_t> buf;
  size_t fed = 0, used_total = 0, begin = 0;
  while (fed < size || begin < buf.size()) {
    const size_t take = fed < size ? std::min(chunk, size - fed) : 0;
    buf.insert(buf.end(), data + fed, data + fed + take);
    fed += take;
    dvr::InterleavedItem item;
    for (;;) {
      const size_t used = dvr::next_interleaved_item(
          buf.data() + begin, buf.size() - begin, &item, 512);
      if (used == 0) break;
      if (used > buf.size() - begin) abort();
      begin += used;
      used_total += used;
    }
    if (take == 0) break;  // the rest is an incomplete item
  }
  return used_total;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  const uint8_t mode = data[0];
  data++;
  size--;

  // Framing: whole or in chunks, the same bytes are taken.
  const size_t whole = consumed_in_chunks(data, size, size ? size : 1);
  if (consumed_in_chunks(data, size, 1 + (mode & 0x3f)) != whole) abort();

  dvr::RtpVideoDepayloader h264(dvr::VideoCodec::kH264, check_access_unit);
  dvr::RtpVideoDepayloader h265(dvr::VideoCodec::kH265, check_access_unit);
  h264.set_parameter_sets({{0x67, 0x42, 0x00, 0x1f}, {0x68, 0xce}});
  dvr::AacLayout layout;
  layout.size_length = 1 + (mode & 0x0f);
  layout.index_length = (mode >> 4) & 0x7;
  layout.index_delta_length = layout.index_length;
  size_t packet_size = 0;
  dvr::RtpAacDepayloader aac(layout, [&](const dvr::AacFrame &f) {
    if (f.size == 0 || f.size > (size_t{1} << layout.size_length)) abort();
    (void)packet_size;
  });

  // Every framed packet goes to every parser.
  size_t at = 0;
  while (at < size) {
    dvr::InterleavedItem item;
    const size_t used =
        dvr::next_interleaved_item(data + at, size - at, &item, 512);
    if (used == 0) break;
    at += used;
    if (item.kind != dvr::InterleavedItem::Kind::kPacket) {
      if (item.kind == dvr::InterleavedItem::Kind::kRtspMessage)
        (void)dvr::rtsp_status_code(item.payload, item.size);
      continue;
    }
    dvr::SenderReport sr;
    (void)dvr::find_sender_report(item.payload, item.size, &sr);
    dvr::RtpPacket p;
    if (!dvr::parse_rtp_packet(item.payload, item.size, &p)) continue;
    if (p.payload + p.payload_size > item.payload + item.size) abort();
    packet_size = p.payload_size;
    h264.push(p);
    h265.push(p);
    aac.push(p);
  }
  h264.flush();
  h265.flush();
  return 0;
}

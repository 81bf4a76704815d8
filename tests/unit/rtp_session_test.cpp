// dvrrtspsrc's reading of the connection: the receive buffer with its
// interleaved framing, and the sequence numbers its receiver reports give.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "interleaved_buffer.h"
#include "rtp_sequence.h"

using Bytes = std::vector<uint8_t>;

TEST_CASE(
    "the highest sequence number rises, ignores late packets and counts "
    "wraps") {
  dvr::RtpSequenceTracker seq;
  CHECK_FALSE(seq.has_source());
  seq.note(0x1234, 100);
  CHECK(seq.has_source());
  CHECK(seq.ssrc() == 0x1234);
  CHECK(seq.extended_highest() == 100);
  seq.note(0x1234, 105);  // 101-104 lost
  CHECK(seq.extended_highest() == 105);
  seq.note(0x1234, 103);  // late
  seq.note(0x1234, 105);  // again
  CHECK(seq.extended_highest() == 105);
  seq.note(0x1234, 65534);  // far behind (half the space): taken as late
  CHECK(seq.extended_highest() == 105);
}

TEST_CASE("a sequence number that wraps past 65535 starts a new cycle") {
  dvr::RtpSequenceTracker seq;
  seq.note(7, 65530);
  seq.note(7, 65535);
  seq.note(7, 2);
  CHECK(seq.extended_highest() == (1u << 16 | 2));
  seq.note(7, 65533);  // reordered from before the wrap
  CHECK(seq.extended_highest() == (1u << 16 | 2));
  for (uint32_t n = 3; n < 3 * 65536; n += 1000)
    seq.note(7, static_cast<uint16_t>(n));
  CHECK(seq.extended_highest() >> 16 == 3);  // two more wraps
}

TEST_CASE("a new source starts the count again") {
  dvr::RtpSequenceTracker seq;
  seq.note(1, 65535);
  seq.note(1, 0);
  CHECK(seq.extended_highest() == 1u << 16);
  seq.note(2, 500);
  CHECK(seq.ssrc() == 2);
  CHECK(seq.extended_highest() == 500);
}

namespace {

Bytes packet(uint8_t channel, const Bytes &payload) {
  Bytes out = {'$', channel, static_cast<uint8_t>(payload.size() >> 8),
               static_cast<uint8_t>(payload.size())};
  out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

// Feeds bytes in reads of at most read bytes; returns the items as text.
std::vector<std::string> read_all(dvr::InterleavedBuffer &buf,
                                  const Bytes &stream, size_t read) {
  std::vector<std::string> items;
  for (size_t at = 0; at < stream.size();) {
    const size_t n = std::min(read, stream.size() - at);
    REQUIRE(n <= buf.room_size());
    std::memcpy(buf.room(), stream.data() + at, n);
    buf.filled(n);
    at += n;
    dvr::InterleavedItem item;
    while (buf.next(&item)) {
      if (item.kind == dvr::InterleavedItem::Kind::kPacket)
        items.push_back("ch" + std::to_string(item.channel) + ":" +
                        std::to_string(item.size));
      else if (item.kind == dvr::InterleavedItem::Kind::kRtspMessage)
        items.push_back("rtsp");
      else
        items.push_back("skip");
    }
  }
  return items;
}

}  // namespace

TEST_CASE(
    "packets split across reads come out whole, in order, with RTSP answers "
    "between them") {
  Bytes stream;
  for (int i = 0; i < 50; i++) {
    const Bytes p = packet(static_cast<uint8_t>(i % 2 == 0 ? 0 : 2),
                           Bytes(1000 + i * 37, static_cast<uint8_t>(i)));
    stream.insert(stream.end(), p.begin(), p.end());
    if (i == 20) {
      const std::string answer = "RTSP/1.0 200 OK\r\nCSeq: 5\r\n\r\n";
      stream.insert(stream.end(), answer.begin(), answer.end());
    }
  }
  for (size_t read : {size_t{1}, size_t{7}, size_t{1500}, size_t{4096}}) {
    dvr::InterleavedBuffer buf(4096);
    const auto items = read_all(buf, stream, read);
    REQUIRE(items.size() == 51);
    CHECK(items[0] == "ch0:1000");
    CHECK(items[1] == "ch2:1037");
    CHECK(items[21] == "rtsp");
    CHECK(items[50] == "ch2:" + std::to_string(1000 + 49 * 37));
    CHECK(buf.buffered() == 0);
  }
}

TEST_CASE(
    "the longest packet fits behind a partial one, and lost framing is "
    "skipped") {
  Bytes stream = {'x', 'y', 'z'};
  const Bytes longest = packet(0, Bytes(65535, 0xab));
  stream.insert(stream.end(), longest.begin(), longest.end());
  const Bytes small = packet(1, Bytes(10, 1));
  stream.insert(stream.end(), small.begin(), small.end());
  dvr::InterleavedBuffer buf(64 * 1024);
  const auto items = read_all(buf, stream, 64 * 1024);
  REQUIRE(items.size() >= 3);
  CHECK(items.front() == "skip");
  CHECK(items[items.size() - 2] == "ch0:65535");
  CHECK(items.back() == "ch1:10");
}

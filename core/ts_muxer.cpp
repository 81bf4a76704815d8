#include "ts_muxer.h"

#include <array>
#include <cstring>

namespace dvr {

namespace {

constexpr int64_t kTimestampMask = (int64_t{1} << 33) - 1;
// The PCR runs this far ahead of decoding: room for the audio interleaved
// around a video frame and for a decoder's buffer.
constexpr int64_t kPcrLead = 63000;     // 700 ms at 90 kHz
constexpr int64_t kPcrInterval = 3600;  // 40 ms
constexpr uint8_t kVideoStreamId = 0xe0;
constexpr uint8_t kAudioStreamId = 0xc0;

std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i << 24;
    for (int k = 0; k < 8; k++)
      c = (c & 0x80000000u) ? (c << 1) ^ 0x04c11db7u : c << 1;
    table[i] = c;
  }
  return table;
}

void put_timestamp(uint8_t *out, uint8_t marker, int64_t ts) {
  const uint64_t v = static_cast<uint64_t>(ts & kTimestampMask);
  out[0] = static_cast<uint8_t>((marker << 4) | ((v >> 29) & 0x0e) | 1);
  out[1] = static_cast<uint8_t>(v >> 22);
  out[2] = static_cast<uint8_t>(((v >> 14) & 0xfe) | 1);
  out[3] = static_cast<uint8_t>(v >> 7);
  out[4] = static_cast<uint8_t>(((v << 1) & 0xfe) | 1);
}

void put_header(uint8_t *p, uint16_t pid, bool unit_start, bool adaptation,
                uint8_t cc) {
  p[0] = 0x47;
  p[1] = static_cast<uint8_t>((unit_start ? 0x40 : 0) | ((pid >> 8) & 0x1f));
  p[2] = static_cast<uint8_t>(pid & 0xff);
  p[3] = static_cast<uint8_t>((adaptation ? 0x30 : 0x10) | (cc & 0x0f));
}

// Reads a PES (its header, then the frame's chunks) as one byte sequence.
class Gather {
 public:
  Gather(const uint8_t *head, size_t head_size, const TsChunk *chunks,
         size_t count)
      : head_(head), head_left_(head_size), chunks_(chunks), count_(count) {}

  void copy(uint8_t *out, size_t n) {
    size_t from_head = n < head_left_ ? n : head_left_;
    std::memcpy(out, head_, from_head);
    head_ += from_head;
    head_left_ -= from_head;
    out += from_head;
    n -= from_head;
    while (n > 0 && index_ < count_) {
      const TsChunk &c = chunks_[index_];
      size_t take = c.size - offset_ < n ? c.size - offset_ : n;
      std::memcpy(out, c.data + offset_, take);
      out += take;
      n -= take;
      offset_ += take;
      if (offset_ == c.size) {
        index_++;
        offset_ = 0;
      }
    }
  }

 private:
  const uint8_t *head_;
  size_t head_left_;
  const TsChunk *chunks_;
  size_t count_;
  size_t index_ = 0;
  size_t offset_ = 0;
};

// A section (PAT or PMT) in one packet, followed by 0xff filling.
void write_section(TsPacketSink &sink, uint16_t pid, uint8_t cc,
                   const uint8_t *section, size_t size) {
  uint8_t *p = sink.next_packet();
  put_header(p, pid, true, false, cc);
  p[4] = 0;  // pointer_field
  std::memcpy(p + 5, section, size);
  const uint32_t crc = ts_crc32(section, size);
  uint8_t *end = p + 5 + size;
  end[0] = static_cast<uint8_t>(crc >> 24);
  end[1] = static_cast<uint8_t>(crc >> 16);
  end[2] = static_cast<uint8_t>(crc >> 8);
  end[3] = static_cast<uint8_t>(crc);
  std::memset(end + 4, 0xff, kTsPacketSize - (5 + size + 4));
}

}  // namespace

uint32_t ts_crc32(const uint8_t *data, size_t size) {
  static const std::array<uint32_t, 256> table = make_crc_table();
  uint32_t crc = 0xffffffffu;
  for (size_t i = 0; i < size; i++)
    crc = (crc << 8) ^ table[((crc >> 24) ^ data[i]) & 0xff];
  return crc;
}

uint8_t TsMuxer::next_counter(uint16_t pid) {
  uint8_t *cc = pid == 0             ? &pat_cc_
                : pid == kTsPmtPid   ? &pmt_cc_
                : pid == kTsVideoPid ? &video_cc_
                                     : &audio_cc_;
  const uint8_t value = *cc;
  *cc = static_cast<uint8_t>((value + 1) & 0x0f);
  return value;
}

void TsMuxer::set_streams(TsStreamType video, TsStreamType audio) {
  if (streams_known_ && (video != video_ || audio != audio_))
    pmt_version_ = (pmt_version_ + 1) & 0x1f;
  video_ = video;
  audio_ = audio;
  streams_known_ = true;
}

void TsMuxer::write_tables(TsPacketSink &sink) {
  const uint8_t pat[] = {
      0x00,  // table_id
      0xb0,
      13,  // section_length
      0x00,
      0x01,  // transport_stream_id
      0xc1,
      0x00,
      0x00,  // version 0, current; section 0 of 0
      0x00,
      0x01,  // program_number
      static_cast<uint8_t>(0xe0 | (kTsPmtPid >> 8)),
      static_cast<uint8_t>(kTsPmtPid & 0xff),
  };
  write_section(sink, 0, next_counter(0), pat, sizeof pat);

  uint8_t pmt[32];
  size_t n = 0;
  pmt[n++] = 0x02;
  n += 2;  // section_length, below
  pmt[n++] = 0x00;
  pmt[n++] = 0x01;  // program_number
  pmt[n++] = static_cast<uint8_t>(0xc1 | (pmt_version_ << 1));
  pmt[n++] = 0x00;
  pmt[n++] = 0x00;
  pmt[n++] = static_cast<uint8_t>(0xe0 | (kTsVideoPid >> 8));  // PCR_PID
  pmt[n++] = static_cast<uint8_t>(kTsVideoPid & 0xff);
  pmt[n++] = 0xf0;
  pmt[n++] = 0x00;  // program_info_length
  auto add_stream = [&](TsStreamType type, uint16_t pid) {
    pmt[n++] = static_cast<uint8_t>(type);
    pmt[n++] = static_cast<uint8_t>(0xe0 | (pid >> 8));
    pmt[n++] = static_cast<uint8_t>(pid & 0xff);
    pmt[n++] = 0xf0;
    pmt[n++] = 0x00;  // ES_info_length
  };
  if (video_ != TsStreamType::kNone) add_stream(video_, kTsVideoPid);
  if (audio_ != TsStreamType::kNone) add_stream(audio_, kTsAudioPid);
  const size_t section_length =
      n - 3 + 4;  // after the length field, CRC included
  pmt[1] = static_cast<uint8_t>(0xb0 | (section_length >> 8));
  pmt[2] = static_cast<uint8_t>(section_length & 0xff);
  write_section(sink, kTsPmtPid, next_counter(kTsPmtPid), pmt, n);
}

void TsMuxer::write_video(TsPacketSink &sink, const TsFrame &frame) {
  int64_t pcr = -1;
  if (frame.keyframe || last_pcr_ < 0 ||
      frame.dts - last_pcr_ >= kPcrInterval || frame.dts < last_pcr_) {
    pcr = frame.dts - kPcrLead;
    last_pcr_ = frame.dts;
  }
  write_pes(sink, kTsVideoPid, kVideoStreamId, frame, frame.dts != frame.pts,
            pcr);
}

void TsMuxer::write_audio(TsPacketSink &sink, const TsFrame &frame) {
  write_pes(sink, kTsAudioPid, kAudioStreamId, frame, false, -1);
}

void TsMuxer::write_pes(TsPacketSink &sink, uint16_t pid, uint8_t stream_id,
                        const TsFrame &frame, bool with_dts, int64_t pcr) {
  size_t payload = 0;
  for (size_t i = 0; i < frame.chunk_count; i++)
    payload += frame.chunks[i].size;

  uint8_t head[19];
  const size_t header_data = with_dts ? 10 : 5;
  const size_t after_length = 3 + header_data + payload;
  head[0] = 0;
  head[1] = 0;
  head[2] = 1;
  head[3] = stream_id;
  // Video may exceed what the 16-bit length holds: 0 means "up to the next PES".
  const size_t length = after_length > 0xffff ? 0 : after_length;
  head[4] = static_cast<uint8_t>(length >> 8);
  head[5] = static_cast<uint8_t>(length & 0xff);
  head[6] = 0x84;  // data_alignment_indicator: each PES starts an access unit
  head[7] = with_dts ? 0xc0 : 0x80;
  head[8] = static_cast<uint8_t>(header_data);
  put_timestamp(head + 9, with_dts ? 3 : 2, frame.pts);
  if (with_dts) put_timestamp(head + 14, 1, frame.dts);
  const size_t head_size = 9 + header_data;

  Gather in(head, head_size, frame.chunks, frame.chunk_count);
  size_t left = head_size + payload;
  bool first = true;
  while (left > 0) {
    uint8_t *p = sink.next_packet();
    // Adaptation field: flags (and a PCR) on the first packet, stuffing on the last.
    const bool flags = first && (frame.keyframe || pcr >= 0);
    size_t af = flags ? 2 + (pcr >= 0 ? 6 : 0) : 0;
    if (left < 184 - af) af = 184 - left;
    const size_t take = 184 - af;
    put_header(p, pid, first, af > 0, next_counter(pid));
    uint8_t *out = p + 4;
    if (af > 0) {
      out[0] = static_cast<uint8_t>(af - 1);
      if (af > 1) {
        uint8_t f = 0;
        size_t used = 2;
        if (flags && frame.keyframe) f |= 0x40;  // random_access_indicator
        if (flags && pcr >= 0) {
          f |= 0x10;
          const uint64_t base = static_cast<uint64_t>(pcr & kTimestampMask);
          out[2] = static_cast<uint8_t>(base >> 25);
          out[3] = static_cast<uint8_t>(base >> 17);
          out[4] = static_cast<uint8_t>(base >> 9);
          out[5] = static_cast<uint8_t>(base >> 1);
          out[6] = static_cast<uint8_t>(((base & 1) << 7) | 0x7e);
          out[7] = 0;
          used = 8;
        }
        out[1] = f;
        std::memset(out + used, 0xff, af - used);
      }
      out += af;
    }
    in.copy(out, take);
    left -= take;
    first = false;
  }
}

}  // namespace dvr

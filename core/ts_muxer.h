// An MPEG-TS packetizer for HLS segments: one program, one video stream (H.264
// or H.265) and at most one AAC (ADTS) stream. Writes whole 188-byte packets
// into slots its caller hands out, so that nothing is allocated per packet and
// the caller decides when bytes reach the disk.
#pragma once

#include <cstddef>
#include <cstdint>

namespace dvr {

constexpr size_t kTsPacketSize = 188;
constexpr uint16_t kTsPmtPid = 0x1000;
constexpr uint16_t kTsVideoPid = 0x100;
constexpr uint16_t kTsAudioPid = 0x101;

enum class TsStreamType : uint8_t {
  kNone = 0,
  kAacAdts = 0x0f,
  kH264 = 0x1b,
  kH265 = 0x24
};

// Where packets go: each call returns room for exactly one packet.
class TsPacketSink {
 public:
  virtual uint8_t *next_packet() = 0;

 protected:
  ~TsPacketSink() = default;
};

// A piece of a PES payload: an access unit is written from several pieces (a
// parameter set prefix, an ADTS header, the frame itself) without joining them.
struct TsChunk {
  const uint8_t *data;
  size_t size;
};

// Timestamps are in 90 kHz units; only their low 33 bits are written.
struct TsFrame {
  const TsChunk *chunks = nullptr;
  size_t chunk_count = 0;
  int64_t pts = 0;
  int64_t dts = 0;
  bool keyframe = false;  // random_access_indicator, and a PCR for video
};

class TsMuxer {
 public:
  // The program's streams; a change takes effect at the next write_tables with
  // a new PMT version, so that a demuxer re-reads it.
  void set_streams(TsStreamType video, TsStreamType audio);
  // PAT and PMT: at the start of every segment, so each one can be read alone.
  void write_tables(TsPacketSink &sink);
  // Video carries the PCR: every video PES that starts a keyframe or comes
  // more than 40 ms after the last PCR gets one.
  void write_video(TsPacketSink &sink, const TsFrame &frame);
  void write_audio(TsPacketSink &sink, const TsFrame &frame);

 private:
  void write_pes(TsPacketSink &sink, uint16_t pid, uint8_t stream_id,
                 const TsFrame &frame, bool with_dts, int64_t pcr);
  uint8_t next_counter(uint16_t pid);

  TsStreamType video_ = TsStreamType::kNone;
  TsStreamType audio_ = TsStreamType::kNone;
  uint8_t pmt_version_ = 0;
  bool streams_known_ = false;
  int64_t last_pcr_ = -1;
  // Continuity counters run on across segments: players and hlsdemux read
  // consecutive segments as one stream and take a reset for lost packets.
  uint8_t pat_cc_ = 0, pmt_cc_ = 0, video_cc_ = 0, audio_cc_ = 0;
};

// CRC-32 of MPEG-2 sections (polynomial 0x04C11DB7, not reflected).
uint32_t ts_crc32(const uint8_t *data, size_t size);

}  // namespace dvr

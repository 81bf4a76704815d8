// Reads an MPEG-TS byte stream without demuxing it: finds the first program's
// tables (PAT, PMT) and its video stream, and cuts the stream into access
// units, each running from one video PES start to the next with every packet
// of the other streams in between. Only packet headers, tables and the first
// few packets of each video PES are looked at; payload bytes are never copied,
// so that recording a transport stream costs little more than writing it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "parameter_sets.h"
#include "ts_muxer.h"

namespace dvr {

// The program the scanner follows: the first one in the PAT.
struct TsProgram {
  uint16_t pmt_pid = 0;
  uint16_t pcr_pid = 0x1fff;
  uint16_t video_pid = 0x1fff;
  VideoCodec video_codec = VideoCodec::kH264;
  // The latest PAT and PMT as they arrived, whole packets (continuity counters
  // included; a writer sets its own): each segment starts with them.
  std::vector<uint8_t> pat_packets;
  std::vector<uint8_t> pmt_packets;
};

// One video access unit with the packets of the other streams that follow it.
// Offsets count bytes from the start of the stream given to the scanner.
struct TsAccessUnit {
  uint64_t begin = 0;
  uint64_t end = 0;
  // PAT and PMT packets of the program inside [begin, end): a segment writer
  // leaves them out and writes the tables at each segment's start instead,
  // with continuity counters of its own.
  std::vector<uint64_t> table_packets;
  int64_t pts = -1;  // 90 kHz, 33 bits as in the PES header; -1 when absent
  int64_t dts = -1;
  bool keyframe = false;
  bool random_access = false;  // the adaptation field's random_access_indicator
  bool after_lost_sync = false;  // bytes were skipped before it
  bool cut_short = false;  // sync was lost inside it: its frame is incomplete
};

enum class TsScanError {
  kNone,
  kNoSync,         // no sync byte every 188 bytes: not a transport stream
  kPacketSize192,  // M2TS/BDAV: a 4-byte timecode before every packet
  kPacketSize204,  // 16 bytes of Reed-Solomon parity after every packet
  kNoProgram,      // no PAT or no PMT for its first program
  kNoVideo,        // the program has no H.264 or H.265 stream
  kScrambled,  // encrypted packets of the program: they cannot be cut at keyframes
};

class TsScanListener {
 public:
  // The program was found or changed; called before the first access unit
  // that belongs to it.
  virtual void on_program(const TsProgram &program) = 0;
  virtual void on_access_unit(const TsAccessUnit &unit) = 0;

 protected:
  ~TsScanListener() = default;
};

class TsScanner {
 public:
  explicit TsScanner(TsScanListener &listener);

  // Scans the next bytes of the stream. Returns false once an error stopped
  // it (see error()); nothing is reported after that.
  bool scan(const uint8_t *data, size_t size);
  // End of stream: reports the access unit still open.
  void finish();

  TsScanError error() const { return error_; }
  const std::string &error_text() const { return error_text_; }

  // Bytes before this offset belong to no access unit still to be reported.
  uint64_t retained_from() const;
  uint64_t bytes_scanned() const { return offset_; }
  uint64_t sync_losses() const { return sync_losses_; }
  uint64_t skipped_bytes() const { return skipped_bytes_; }
  // Packets of the video stream whose continuity counter skipped: lost packets.
  uint64_t continuity_errors() const { return continuity_errors_; }
  // Bytes of a last packet cut short when the stream ended.
  size_t truncated_bytes() const { return truncated_bytes_; }

  // How many packets of a video PES are searched for its first slice: past
  // them, the random_access_indicator decides.
  static constexpr int kMaxScannedPackets = 8;
  // How far the scanner searches for sync, or for the tables, before it gives up.
  static constexpr uint64_t kMaxSyncSearch = 1 << 20;
  static constexpr uint64_t kMaxBytesWithoutProgram = 4 << 20;
  static constexpr uint64_t kPacketsToHoldSync = 8;

 private:
  struct Section {
    std::vector<uint8_t> bytes;
    std::vector<uint8_t> packets;
    size_t expected = 0;
    bool collecting = false;
  };

  void packet(const uint8_t *p, uint64_t at);
  void table_packet(const uint8_t *p, const uint8_t *payload, size_t size,
                    Section &section, uint64_t at);
  void parse_pat(const std::vector<uint8_t> &s);
  void parse_pmt(const std::vector<uint8_t> &s);
  void video_packet(const uint8_t *p, const uint8_t *payload, size_t size,
                    uint64_t at);
  void scan_pes(const uint8_t *data, size_t size);
  void scan_elementary(const uint8_t *data, size_t size);
  void nal_header(uint8_t header);
  void close_unit(uint64_t at);
  void fail(TsScanError error, std::string text);
  size_t find_sync(const uint8_t *data, size_t size, size_t from) const;
  void sniff_packet_size(const uint8_t *data, size_t size);

  TsScanListener &listener_;
  TsScanError error_ = TsScanError::kNone;
  std::string error_text_;

  uint64_t offset_ = 0;  // of the next byte to come
  bool synced_ = false;
  bool ever_synced_ = false;
  bool sniffed_ = false;
  uint64_t searching_since_ = 0;
  uint8_t partial_[kTsPacketSize];
  size_t partial_size_ = 0;
  uint64_t partial_at_ = 0;
  bool lost_sync_ = false;
  // Packets read since sync was last found: a sync that held this long ends a
  // search; one that did not (a 0x47 in noise) does not restart its count.
  uint64_t packets_in_sync_ = 0;

  Section pat_, pmt_;
  TsProgram program_;
  std::vector<uint16_t> program_pids_;  // its elementary streams
  bool have_pat_ = false, have_program_ = false, program_pending_ = false;
  std::vector<uint8_t> last_pat_, last_pmt_;

  // The access unit being read.
  TsAccessUnit unit_;
  bool unit_open_ = false;
  uint8_t pes_head_[19];
  size_t pes_seen_ = 0;       // PES bytes seen so far
  size_t pes_head_size_ = 0;  // 9 + PES_header_data_length, once known
  int scanned_packets_ = 0;
  bool decided_ = false;
  int zeros_ = 0;
  bool want_nal_header_ = false;
  bool want_sei_type_ = false;
  bool saw_sps_ = false;
  bool saw_recovery_point_ = false;

  int8_t last_cc_ = -1;
  uint64_t sync_losses_ = 0, skipped_bytes_ = 0, continuity_errors_ = 0;
  size_t truncated_bytes_ = 0;
};

}  // namespace dvr

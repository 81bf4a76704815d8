// The little RTCP (RFC 3550 section 6) a receiver over TCP needs: reading a
// sender report's clock, and writing a receiver report, which some cameras
// wait for to keep a session.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace dvr {

struct SenderReport {
  uint32_t ssrc = 0;
  uint64_t ntp = 0;  // 32.32 fixed point seconds since 1900
  uint32_t rtp_timestamp = 0;
};

// Finds a sender report in a compound RTCP packet; false when there is none.
bool find_sender_report(const uint8_t *data, size_t size, SenderReport *out);

struct ReceptionStats {
  uint32_t source_ssrc = 0;
  uint32_t highest_sequence = 0;  // extended: cycles << 16 | highest
  uint32_t last_sr = 0;  // middle 32 bits of the last SR's NTP time, 0 if none
  uint32_t delay_since_sr = 0;  // in 1/65536 s
};

// A compound packet: RR with one report block, then SDES with our CNAME.
std::vector<uint8_t> receiver_report(uint32_t own_ssrc,
                                     const ReceptionStats &stats,
                                     const std::string &cname);

}  // namespace dvr

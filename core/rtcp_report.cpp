#include "rtcp_report.h"

namespace dvr {
namespace {

uint32_t be32(const uint8_t *p) {
  return static_cast<uint32_t>(p[0]) << 24 | static_cast<uint32_t>(p[1]) << 16 |
         static_cast<uint32_t>(p[2]) << 8 | p[3];
}

void put32(std::vector<uint8_t> &out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<uint8_t>(v >> shift));
}

}  // namespace

bool find_sender_report(const uint8_t *data, size_t size, SenderReport *out) {
  size_t at = 0;
  while (at + 4 <= size) {
    if ((data[at] >> 6) != 2) return false;
    const size_t length =
        4 * (1 + (static_cast<size_t>(data[at + 2]) << 8 | data[at + 3]));
    if (at + length > size) return false;
    if (data[at + 1] == 200 && length >= 28) {
      out->ssrc = be32(data + at + 4);
      out->ntp = static_cast<uint64_t>(be32(data + at + 8)) << 32 |
                 be32(data + at + 12);
      out->rtp_timestamp = be32(data + at + 16);
      return true;
    }
    at += length;
  }
  return false;
}

std::vector<uint8_t> receiver_report(uint32_t own_ssrc,
                                     const ReceptionStats &stats,
                                     const std::string &cname) {
  std::vector<uint8_t> out;
  // RR: V=2, one report block, length 7 words after the first.
  out.insert(out.end(), {0x81, 201, 0, 7});
  put32(out, own_ssrc);
  put32(out, stats.source_ssrc);
  put32(out, 0);  // fraction and number lost: TCP loses nothing
  put32(out, stats.highest_sequence);
  put32(out, 0);  // jitter
  put32(out, stats.last_sr);
  put32(out, stats.delay_since_sr);
  // SDES with one chunk: our SSRC, CNAME, end, padded to a word.
  const size_t name_size = cname.size() > 255 ? 255 : cname.size();
  const size_t chunk = 4 + 2 + name_size + 1;
  const size_t padded = (chunk + 3) / 4 * 4;
  const size_t words = padded / 4;
  out.insert(out.end(), {0x81, 202, static_cast<uint8_t>(words >> 8),
                         static_cast<uint8_t>(words)});
  put32(out, own_ssrc);
  out.push_back(1);
  out.push_back(static_cast<uint8_t>(name_size));
  out.insert(out.end(), cname.begin(),
             cname.begin() + static_cast<std::ptrdiff_t>(name_size));
  out.resize(out.size() + (padded - chunk) + 1, 0);
  return out;
}

}  // namespace dvr

// Length-prefixed H.264/H.265 (avc, hvc1) as the lean writer turns it into Annex B.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "nal_units.h"
#include "parameter_sets.h"

namespace {

using Bytes = std::vector<uint8_t>;

const Bytes kSps = {0x67, 0x4d, 0x40, 0x1f, 0xaa};
const Bytes kPps = {0x68, 0xee, 0x3c, 0x80};
const Bytes kIdr = {0x65, 0x88, 0x84, 0x00, 0x33};
const Bytes kSlice = {0x41, 0x9a, 0x22};

Bytes avcc(const std::vector<Bytes> &sps, const std::vector<Bytes> &pps,
           unsigned length_size = 4) {
  Bytes out = {1,
               0x4d,
               0x40,
               0x1f,
               static_cast<uint8_t>(0xfc | (length_size - 1)),
               static_cast<uint8_t>(0xe0 | sps.size())};
  for (const auto &s : sps) {
    out.push_back(static_cast<uint8_t>(s.size() >> 8));
    out.push_back(static_cast<uint8_t>(s.size()));
    out.insert(out.end(), s.begin(), s.end());
  }
  out.push_back(static_cast<uint8_t>(pps.size()));
  for (const auto &p : pps) {
    out.push_back(static_cast<uint8_t>(p.size() >> 8));
    out.push_back(static_cast<uint8_t>(p.size()));
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

Bytes prefixed(const std::vector<Bytes> &units, unsigned length_size = 4) {
  Bytes out;
  for (const auto &u : units) {
    for (unsigned i = length_size; i-- > 0;)
      out.push_back(static_cast<uint8_t>(u.size() >> (8 * i)));
    out.insert(out.end(), u.begin(), u.end());
  }
  return out;
}

Bytes annex_b(const std::vector<Bytes> &units) {
  Bytes out;
  for (const auto &u : units) {
    out.insert(out.end(), {0, 0, 0, 1});
    out.insert(out.end(), u.begin(), u.end());
  }
  return out;
}

}  // namespace

TEST_CASE("an avcC record gives its NAL length size and its SPS and PPS") {
  for (unsigned length_size : {1u, 2u, 4u}) {
    const Bytes record = avcc({kSps}, {kPps}, length_size);
    dvr::DecoderConfig config;
    REQUIRE(dvr::parse_decoder_config(dvr::VideoCodec::kH264, record.data(),
                                      record.size(), &config));
    CHECK(config.length_size == length_size);
    REQUIRE(config.parameter_sets.size() == 2);
    CHECK(config.parameter_sets[0] == kSps);
    CHECK(config.parameter_sets[1] == kPps);
  }
}

TEST_CASE("an hvcC record gives its VPS, SPS and PPS") {
  const Bytes vps = {0x40, 0x01, 0x0c}, sps = {0x42, 0x01, 0x01, 0x60},
              pps = {0x44, 0x01, 0xc1};
  Bytes record(23, 0);
  record[0] = 1;
  record[21] = 0xfc | 3;  // 4-byte lengths
  record[22] = 3;
  for (const Bytes *set : {&vps, &sps, &pps}) {
    record.insert(record.end(), {static_cast<uint8_t>(0x80 | ((*set)[0] >> 1)),
                                 0, 1, 0, static_cast<uint8_t>(set->size())});
    record.insert(record.end(), set->begin(), set->end());
  }
  dvr::DecoderConfig config;
  REQUIRE(dvr::parse_decoder_config(dvr::VideoCodec::kH265, record.data(),
                                    record.size(), &config));
  CHECK(config.length_size == 4);
  CHECK(config.parameter_sets == std::vector<Bytes>{vps, sps, pps});
}

TEST_CASE(
    "a truncated or foreign decoder configuration is refused, not read past its end") {
  const Bytes record = avcc({kSps}, {kPps});
  dvr::DecoderConfig config;
  for (size_t cut = 0; cut < record.size(); cut++)
    CHECK_FALSE(dvr::parse_decoder_config(dvr::VideoCodec::kH264, record.data(),
                                          cut, &config));
  Bytes version2 = record;
  version2[0] = 2;
  CHECK_FALSE(dvr::parse_decoder_config(dvr::VideoCodec::kH264, version2.data(),
                                        version2.size(), &config));
  const Bytes short_hvcc(10, 1);
  CHECK_FALSE(dvr::parse_decoder_config(
      dvr::VideoCodec::kH265, short_hvcc.data(), short_hvcc.size(), &config));
}

TEST_CASE(
    "a length-prefixed access unit splits into its NAL units; a length past the end is an error") {
  for (unsigned length_size : {1u, 2u, 4u}) {
    const Bytes au = prefixed({kSps, kPps, kIdr}, length_size);
    std::vector<dvr::NalUnit> units;
    REQUIRE(
        dvr::split_length_prefixed(au.data(), au.size(), length_size, &units));
    REQUIRE(units.size() == 3);
    CHECK(Bytes(units[2].data, units[2].data + units[2].size) == kIdr);
    CHECK_FALSE(dvr::split_length_prefixed(au.data(), au.size() - 1,
                                           length_size, &units));
  }
  Bytes lying = prefixed({kSlice});
  lying[3] = 200;
  std::vector<dvr::NalUnit> units;
  CHECK_FALSE(
      dvr::split_length_prefixed(lying.data(), lying.size(), 4, &units));
}

TEST_CASE(
    "a keyframe without parameter sets gets those from the caps; one that has them gets none") {
  dvr::ParameterSetCache cache(dvr::VideoCodec::kH264);
  cache.remember(kSps.data(), kSps.size());
  cache.remember(kPps.data(), kPps.size());
  cache.remember(kIdr.data(), kIdr.size());  // not a parameter set: ignored

  const Bytes bare = prefixed({kIdr});
  std::vector<dvr::NalUnit> units;
  REQUIRE(dvr::split_length_prefixed(bare.data(), bare.size(), 4, &units));
  CHECK(cache.missing_from_units(units.data(), units.size()) ==
        annex_b({kSps, kPps}));

  // New parameter sets in the stream replace the remembered ones.
  const Bytes sps2 = {0x67, 0x64, 0x00, 0x28};
  const Bytes full = prefixed({sps2, kPps, kIdr});
  REQUIRE(dvr::split_length_prefixed(full.data(), full.size(), 4, &units));
  CHECK(cache.missing_from_units(units.data(), units.size()).empty());
  REQUIRE(dvr::split_length_prefixed(bare.data(), bare.size(), 4, &units));
  CHECK(cache.missing_from_units(units.data(), units.size()) ==
        annex_b({sps2, kPps}));
}

TEST_CASE("an access unit delimiter is recognised and made for either codec") {
  dvr::ParameterSetCache h264(dvr::VideoCodec::kH264),
      h265(dvr::VideoCodec::kH265);
  const Bytes &aud264 = dvr::access_unit_delimiter(dvr::VideoCodec::kH264);
  const Bytes &aud265 = dvr::access_unit_delimiter(dvr::VideoCodec::kH265);
  REQUIRE(aud264.size() > 4);
  REQUIRE(aud265.size() > 4);
  CHECK(Bytes(aud264.begin(), aud264.begin() + 4) == Bytes{0, 0, 0, 1});
  CHECK(h264.is_delimiter(aud264[4]));
  CHECK(h265.is_delimiter(aud265[4]));
  CHECK_FALSE(h264.is_delimiter(kIdr[0]));
  CHECK_FALSE(h265.is_delimiter(0x26));  // an H.265 IDR slice
}

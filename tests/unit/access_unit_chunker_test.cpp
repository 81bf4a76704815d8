// The lean writer's access units as the pieces it packetizes: Annex B as it
// came, length-prefixed turned into Annex B, parameter sets before keyframes.
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "access_unit_chunker.h"

namespace {

using Bytes = std::vector<uint8_t>;

const Bytes kSps = {0x67, 0x4d, 0x40, 0x1f, 0xaa};
const Bytes kPps = {0x68, 0xee, 0x3c, 0x80};
const Bytes kIdr = {0x65, 0x88, 0x84, 0x00, 0x33};
const Bytes kSlice = {0x41, 0x9a, 0x22};
const Bytes kAud = {0x09, 0xf0};

Bytes annex_b(const std::vector<Bytes> &units) {
  Bytes out;
  for (const auto &u : units) {
    out.insert(out.end(), {0, 0, 0, 1});
    out.insert(out.end(), u.begin(), u.end());
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

// What the muxer would write: the pieces one after the other.
Bytes joined(const std::vector<dvr::TsChunk> &chunks) {
  Bytes out;
  for (const auto &c : chunks) out.insert(out.end(), c.data, c.data + c.size);
  return out;
}

// The NAL units of Annex B bytes, whatever the length of their start codes.
std::vector<Bytes> nal_units(const Bytes &stream) {
  std::vector<Bytes> units;
  size_t i = 0;
  while (i + 3 <= stream.size()) {
    if (stream[i] == 0 && stream[i + 1] == 0 && stream[i + 2] == 1) {
      units.emplace_back();
      i += 3;
      continue;
    }
    if (!units.empty()) units.back().push_back(stream[i]);
    i++;
  }
  if (!units.empty())
    units.back().insert(units.back().end(),
                        stream.begin() + static_cast<long>(i), stream.end());
  for (auto &u : units)
    while (!u.empty() && u.back() == 0)
      u.pop_back();  // the leading zero of the next 4-byte start code
  return units;
}

}  // namespace

TEST_CASE(
    "an Annex B keyframe that lacks its parameter sets gets the caps' ones "
    "before its first slice") {
  dvr::AccessUnitChunker chunker;
  chunker.start(dvr::VideoCodec::kH264);
  chunker.remember(kSps.data(), kSps.size());
  chunker.remember(kPps.data(), kPps.size());
  const Bytes au = annex_b({kAud, kIdr});
  CHECK(nal_units(joined(chunker.byte_stream(au.data(), au.size(), true))) ==
        std::vector<Bytes>{kAud, kSps, kPps, kIdr});
  // The access unit itself is never copied: its pieces point into it.
  const auto &chunks = chunker.byte_stream(au.data(), au.size(), true);
  REQUIRE(chunks.size() == 3);
  CHECK(chunks[0].data == au.data());
  CHECK(chunks[2].data + chunks[2].size == au.data() + au.size());
}

TEST_CASE(
    "an Annex B keyframe with its parameter sets, or any other frame, goes out "
    "as it is") {
  dvr::AccessUnitChunker chunker;
  chunker.start(dvr::VideoCodec::kH264);
  const Bytes key = annex_b({kSps, kPps, kIdr});
  const auto &chunks = chunker.byte_stream(key.data(), key.size(), true);
  REQUIRE(chunks.size() == 1);
  CHECK(chunks[0].data == key.data());
  CHECK(chunks[0].size == key.size());
  // The sets it carried are remembered for the next keyframe that lacks them.
  const Bytes bare = annex_b({kIdr});
  CHECK(
      nal_units(joined(chunker.byte_stream(bare.data(), bare.size(), true))) ==
      std::vector<Bytes>{kSps, kPps, kIdr});
  const Bytes delta = annex_b({kSlice});
  CHECK(joined(chunker.byte_stream(delta.data(), delta.size(), false)) ==
        delta);
}

TEST_CASE(
    "a length-prefixed access unit becomes Annex B with a delimiter in front") {
  for (unsigned length_size : {1u, 2u, 4u}) {
    dvr::AccessUnitChunker chunker;
    chunker.start(dvr::VideoCodec::kH264);
    const Bytes au = prefixed({kSlice, kSlice}, length_size);
    const auto *chunks =
        chunker.length_prefixed(au.data(), au.size(), length_size, false);
    REQUIRE(chunks != nullptr);
    const Bytes &aud = dvr::access_unit_delimiter(dvr::VideoCodec::kH264);
    Bytes expected = aud;
    const Bytes rest = annex_b({kSlice, kSlice});
    expected.insert(expected.end(), rest.begin(), rest.end());
    CHECK(joined(*chunks) == expected);
  }
}

TEST_CASE(
    "a length-prefixed unit that opens with its own delimiter keeps it, and a "
    "keyframe gets the sets it lacks") {
  dvr::AccessUnitChunker chunker;
  chunker.start(dvr::VideoCodec::kH264);
  chunker.remember(kSps.data(), kSps.size());
  chunker.remember(kPps.data(), kPps.size());
  const Bytes au = prefixed({kAud, kIdr});
  const auto *chunks = chunker.length_prefixed(au.data(), au.size(), 4, true);
  REQUIRE(chunks != nullptr);
  CHECK(joined(*chunks) == annex_b({kAud, kSps, kPps, kIdr}));
}

TEST_CASE(
    "a length-prefixed unit whose length runs past its end, or an empty one, "
    "is refused") {
  dvr::AccessUnitChunker chunker;
  chunker.start(dvr::VideoCodec::kH264);
  Bytes lying = prefixed({kSlice});
  lying[3] = 200;
  CHECK(chunker.length_prefixed(lying.data(), lying.size(), 4, false) ==
        nullptr);
  const Bytes empty;
  CHECK(chunker.length_prefixed(empty.data(), 0, 4, false) == nullptr);
}

TEST_CASE("a new codec forgets the old codec's parameter sets") {
  dvr::AccessUnitChunker chunker;
  chunker.start(dvr::VideoCodec::kH264);
  chunker.remember(kSps.data(), kSps.size());
  chunker.remember(kPps.data(), kPps.size());
  chunker.start(dvr::VideoCodec::kH265);
  CHECK(chunker.codec() == dvr::VideoCodec::kH265);
  const Bytes idr265 = {0x26, 0x01, 0xaf, 0x00};
  const Bytes au = annex_b({idr265});
  CHECK(joined(chunker.byte_stream(au.data(), au.size(), true)) == au);
}

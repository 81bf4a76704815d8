/* Which streams of a camera's SDP dvrrtspsrc records, and the caps each one
 * goes out with. The first H.264 or H.265 video and the first AAC
 * (mpeg4-generic) or G.711 audio; anything else (ONVIF metadata, other
 * codecs, a second stream of a kind) is not SET UP. */
#pragma once

#include <gst/gst.h>
#include <gst/sdp/sdp.h>

#include <cstdint>
#include <string>
#include <vector>

#include "rtp_aac_depay.h"

enum class MediaKind
{
  kH264,
  kH265,
  kAac,
  kPcma,
  kPcmu,
};

struct MediaDescription
{
  MediaKind kind;
  std::string control_url;
  int payload_type = -1;
  guint32 clock_rate = 90000;
  guint channels = 1;
  /* H.264/H.265: the sprop parameter sets, without start codes. */
  std::vector<std::vector<uint8_t> > parameter_sets;
  /* AAC: the AudioSpecificConfig and the AU header layout. */
  std::vector<uint8_t> aac_config;
  dvr::AacLayout aac_layout;

  bool is_video () const
  {
    return kind == MediaKind::kH264 || kind == MediaKind::kH265;
  }
};

/* skipped: one line per stream left out, for the debug log. */
std::vector<MediaDescription> recordable_streams (const GstSDPMessage *sdp,
    const std::string &content_base, std::string *skipped);

/* Caps dvrsink records without a parser: avc3/hev1 access units, raw AAC
 * with its codec_data, A-law or mu-law at 8 kHz. */
GstCaps *media_caps (const MediaDescription &media);

#include "rtsp_media.h"

#include "aac.h"
#include "rtsp_url.h"
#include "sdp_fmtp.h"

namespace {

/* The rtpmap of payload type pt, or the static one (RFC 3551) for G.711. */
bool
rtpmap_of (const GstSDPMedia *m, int pt, dvr::RtpMap *map)
{
  for (guint i = 0; i < gst_sdp_media_attributes_len (m); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute (m, i);
    if (a->key && a->value && g_str_equal (a->key, "rtpmap") &&
        dvr::parse_rtpmap (a->value, map) && map->payload_type == pt)
      return true;
  }
  if (pt == 0 || pt == 8) {
    map->payload_type = pt;
    map->encoding = pt == 0 ? "PCMU" : "PCMA";
    map->clock_rate = 8000;
    map->channels = 1;
    return true;
  }
  return false;
}

std::string
fmtp_of (const GstSDPMedia *m, int pt)
{
  const std::string prefix = std::to_string (pt) + " ";
  for (guint i = 0; i < gst_sdp_media_attributes_len (m); i++) {
    const GstSDPAttribute *a = gst_sdp_media_get_attribute (m, i);
    if (a->key && a->value && g_str_equal (a->key, "fmtp") &&
        g_str_has_prefix (a->value, prefix.c_str ()))
      return a->value;
  }
  return {};
}

unsigned
number (const std::map<std::string, std::string> &params, const char *name,
    unsigned fallback)
{
  auto it = params.find (name);
  if (it == params.end () || it->second.empty ())
    return fallback;
  gchar *end = nullptr;
  const guint64 v = g_ascii_strtoull (it->second.c_str (), &end, 10);
  return end && *end == '\0' && v < 100000 ? (unsigned)v : fallback;
}

}  // namespace

std::vector<MediaDescription>
recordable_streams (const GstSDPMessage *sdp, const std::string &content_base,
    std::string *skipped)
{
  std::vector<MediaDescription> out;
  bool have_video = false, have_audio = false;
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++) {
    const GstSDPMedia *m = gst_sdp_message_get_media (sdp, i);
    const gchar *media = gst_sdp_media_get_media (m);
    const gchar *format = gst_sdp_media_formats_len (m)
                              ? gst_sdp_media_get_format (m, 0)
                              : nullptr;
    const gchar *control = gst_sdp_media_get_attribute_val (m, "control");
    dvr::RtpMap map;
    const int pt = format ? atoi (format) : -1;
    const bool known = media && format && rtpmap_of (m, pt, &map);
    const std::string what =
        std::string (media ? media : "?") + " " + (known ? map.encoding : "?");
    MediaDescription d{};
    bool take = false;
    if (known && g_str_equal (media, "video") && !have_video &&
        (map.encoding == "H264" || map.encoding == "H265")) {
      d.kind = map.encoding == "H264" ? MediaKind::kH264 : MediaKind::kH265;
      const auto params = dvr::parse_fmtp (fmtp_of (m, pt));
      for (const char *key :
          {"sprop-vps", "sprop-sps", "sprop-pps", "sprop-parameter-sets"}) {
        auto it = params.find (key);
        if (it != params.end ())
          for (auto &set : dvr::decode_base64_list (it->second))
            d.parameter_sets.push_back (std::move (set));
      }
      take = have_video = true;
    } else if (known && g_str_equal (media, "audio") && !have_audio &&
               (map.encoding == "PCMA" || map.encoding == "PCMU") &&
               map.clock_rate == 8000 && map.channels == 1) {
      d.kind = map.encoding == "PCMA" ? MediaKind::kPcma : MediaKind::kPcmu;
      take = have_audio = true;
    } else if (known && g_str_equal (media, "audio") && !have_audio &&
               map.encoding == "MPEG4-GENERIC") {
      const auto params = dvr::parse_fmtp (fmtp_of (m, pt));
      auto mode = params.find ("mode");
      auto config = params.find ("config");
      if (mode != params.end () && config != params.end () &&
          g_ascii_strncasecmp (mode->second.c_str (), "aac-", 4) == 0) {
        d.kind = MediaKind::kAac;
        d.aac_config = dvr::decode_hex (config->second);
        d.aac_layout.size_length = number (params, "sizelength", 13);
        d.aac_layout.index_length = number (params, "indexlength", 3);
        d.aac_layout.index_delta_length =
            number (params, "indexdeltalength", 3);
        d.aac_layout.samples_per_frame = number (params, "constantduration", 0);
        if (d.aac_layout.samples_per_frame == 0)
          d.aac_layout.samples_per_frame = 1024;
        take = d.aac_config.size () >= 2;
        have_audio = take;
      }
    }
    if (!take) {
      if (skipped)
        *skipped += "not recorded: " + what + "\n";
      continue;
    }
    d.control_url = dvr::resolve_control (content_base, control ? control : "");
    d.payload_type = pt;
    d.clock_rate = map.clock_rate;
    d.channels = map.channels;
    out.push_back (std::move (d));
  }
  return out;
}

GstCaps *
media_caps (const MediaDescription &media)
{
  switch (media.kind) {
  case MediaKind::kH264:
    /* avc3: length-prefixed access units whose parameter sets travel in
       * the stream (the SDP's go in front of the first keyframes). */
    return gst_caps_new_simple ("video/x-h264", "stream-format", G_TYPE_STRING,
        "avc3", "alignment", G_TYPE_STRING, "au", NULL);
  case MediaKind::kH265:
    return gst_caps_new_simple ("video/x-h265", "stream-format", G_TYPE_STRING,
        "hev1", "alignment", G_TYPE_STRING, "au", NULL);
  case MediaKind::kPcma:
    return gst_caps_new_simple ("audio/x-alaw", "rate", G_TYPE_INT, 8000,
        "channels", G_TYPE_INT, 1, NULL);
  case MediaKind::kPcmu:
    return gst_caps_new_simple ("audio/x-mulaw", "rate", G_TYPE_INT, 8000,
        "channels", G_TYPE_INT, 1, NULL);
  case MediaKind::kAac: {
    g_autoptr (GstBuffer) config = gst_buffer_new_memdup (
        media.aac_config.data (), media.aac_config.size ());
    const guint8 *c = media.aac_config.data ();
    dvr::AacConfig aac;
    dvr::parse_audio_specific_config (c, media.aac_config.size (), &aac);
    const gint table_rate = dvr::aac_sample_rate (aac.rate_index);
    const gint rate = table_rate ? table_rate : (gint)media.clock_rate;
    const gint channels = (gint)aac.channels;
    return gst_caps_new_simple ("audio/mpeg", "mpegversion", G_TYPE_INT, 4,
        "stream-format", G_TYPE_STRING, "raw", "framed", G_TYPE_BOOLEAN, TRUE,
        "rate", G_TYPE_INT, rate, "channels", G_TYPE_INT,
        channels ? channels : (gint)media.channels, "codec_data",
        GST_TYPE_BUFFER, config, NULL);
  }
  }
  return nullptr;
}

/* dvrrtspsrc: a lean RTSP camera source (TCP, interleaved RTP) that hands on
 * H.264/H.265 access units and AAC or G.711 audio, depayloaded. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_DVR_RTSP_SRC (gst_dvr_rtsp_src_get_type ())
G_DECLARE_FINAL_TYPE (
    GstDvrRtspSrc, gst_dvr_rtsp_src, GST, DVR_RTSP_SRC, GstElement)

GST_ELEMENT_REGISTER_DECLARE (dvrrtspsrc);

G_END_DECLS

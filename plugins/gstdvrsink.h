/* dvrsink: a sliding-window HLS DVR recorder in one bin. */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_DVR_SINK (gst_dvr_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstDvrSink, gst_dvr_sink, GST, DVR_SINK, GstBin)

GST_ELEMENT_REGISTER_DECLARE (dvrsink);

G_END_DECLS

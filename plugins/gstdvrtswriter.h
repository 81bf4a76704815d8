/* dvrsink's own segment writer (writer=lean): takes the video dvrindex lets
 * through and an optional AAC stream, cuts segments at keyframes, packetizes
 * them into MPEG-TS with dvr::TsMuxer and speaks dvrindex's writer protocol
 * (gstdvrindex-writer.h). It stands where splitmuxsink, mpegtsmux and
 * giostreamsink stand on the other path, and is not registered on its own.
 *
 * Pads: "video" (always; H.264 or H.265 byte-stream, one access unit per
 * buffer) and "audio_%u" (request, at most one; AAC raw or ADTS).
 * Properties: "max-size-time" (segment length, ns) and
 * "send-keyframe-requests", named as on splitmuxsink so dvrsink sets either. */
#pragma once

#include "gstdvrindex.h"

G_BEGIN_DECLS

#define GST_TYPE_DVR_TS_WRITER (gst_dvr_ts_writer_get_type ())
G_DECLARE_FINAL_TYPE (
    GstDvrTsWriter, gst_dvr_ts_writer, GST, DVR_TS_WRITER, GstElement)

/* The index the writer reports to: the writer registers with it
 * (gst_dvr_index_set_writer) as the one that cuts its segments. Set once,
 * before either leaves NULL. */
void gst_dvr_ts_writer_set_index (GstDvrTsWriter *self, GstDvrIndex *index);

G_END_DECLS

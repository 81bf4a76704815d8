// gst-rtsp-server types that route Dahua URLs to mount points.
//
// GstRTSPServer matches mount points on the path only: DESCRIBE looks up
// the path without the query, SETUP and PLAY the path with it, and clients
// derive SETUP URLs from "...?channel=1&subtype=0/" in several ways. These
// subclasses turn every form into one canonical mount path,
// "/cam/realmonitor?channel=N&subtype=M", followed by "/trackID=K" for a
// stream (see dahua_path.h).
#pragma once

#include <gst/rtsp-server/rtsp-server.h>

#include "control_form.h"

namespace mockcam {

// A GstRTSPServer whose clients understand Dahua URLs and answer DESCRIBE in
// the given control form.
GstRTSPServer *dahua_server_new(ControlForm form = ControlForm::Dahua);

// Mount points that understand Dahua URLs.
GstRTSPMountPoints *dahua_mount_points_new();

}  // namespace mockcam

// /metrics in the Prometheus text exposition format (version 0.0.4): what
// each camera recorded and how the HTTP server answered.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "http/camera_status.h"

namespace dvr {

// requests: answered requests by HTTP status code, since the launcher started.
// cameras: with recorded filled in (the newest segment's age comes from it).
std::string render_metrics(const std::vector<CameraStatus> &cameras,
                           const std::map<unsigned, std::uint64_t> &requests,
                           std::int64_t now_us);

}  // namespace dvr

#include "control_form.h"

#include <cstdio>

namespace mockcam {

namespace {

std::string stream_name(int channel, int subtype) {
  return "ch" + std::to_string(channel) + "sub" + std::to_string(subtype);
}

std::string dahua_base(const std::string &host, int channel, int subtype) {
  return "rtsp://" + host + dahua_mount_path(channel, subtype) + "/";
}

}  // namespace

bool parse_control_form(const std::string &name, ControlForm *form) {
  for (ControlForm f : {ControlForm::Dahua, ControlForm::ContentBase,
                        ControlForm::Session, ControlForm::Absolute}) {
    if (name == control_form_name(f)) {
      *form = f;
      return true;
    }
  }
  return false;
}

const char *control_form_name(ControlForm form) {
  switch (form) {
    case ControlForm::Dahua:
      return "dahua";
    case ControlForm::ContentBase:
      return "content-base";
    case ControlForm::Session:
      return "session";
    case ControlForm::Absolute:
      return "absolute";
  }
  return "?";
}

std::string form_content_base(ControlForm form, const std::string &host,
                              int channel, int subtype) {
  switch (form) {
    case ControlForm::Dahua:
    case ControlForm::Session:
      return dahua_base(host, channel, subtype);
    case ControlForm::ContentBase:
      return "rtsp://" + host + "/live/" + stream_name(channel, subtype) + "/";
    case ControlForm::Absolute:
      return {};
  }
  return {};
}

std::string form_session_control(ControlForm form, const std::string &host,
                                 int channel, int subtype) {
  switch (form) {
    case ControlForm::Dahua:
      return "*";
    case ControlForm::ContentBase:
      return {};
    case ControlForm::Session:
      return "session";
    case ControlForm::Absolute:
      return "rtsp://" + host + "/abs/" + stream_name(channel, subtype);
  }
  return {};
}

std::string form_media_control(ControlForm form, const std::string &host,
                               int channel, int subtype, int index) {
  if (form == ControlForm::Absolute)
    return "rtsp://" + host + "/abs/" + stream_name(channel, subtype) +
           "/track" + std::to_string(index);
  return "trackID=" + std::to_string(index);
}

std::string form_aggregate_url(ControlForm form, const std::string &host,
                               int channel, int subtype) {
  switch (form) {
    case ControlForm::Dahua:
      return {};
    case ControlForm::ContentBase:
      return form_content_base(form, host, channel, subtype);
    case ControlForm::Session:
      return dahua_base(host, channel, subtype) + "session";
    case ControlForm::Absolute:
      return form_session_control(form, host, channel, subtype);
  }
  return {};
}

std::optional<DahuaPath> parse_form_path(const std::string &abspath) {
  int channel = 0, subtype = 0, track = -1, used = 0;
  char rest[64] = "";
  const char *p = abspath.c_str();
  if (std::sscanf(p, "/live/ch%dsub%d%n", &channel, &subtype, &used) == 2 ||
      std::sscanf(p, "/abs/ch%dsub%d%n", &channel, &subtype, &used) == 2) {
    const std::string tail = abspath.substr(static_cast<size_t>(used));
    if (!tail.empty() && tail != "/") {
      if (std::sscanf(tail.c_str(), "/trackID=%d%63s", &track, rest) != 1 &&
          std::sscanf(tail.c_str(), "/track%d%63s", &track, rest) != 1)
        return std::nullopt;
    }
    if (channel < 1 || subtype < 0 || subtype > 1) return std::nullopt;
    DahuaPath d;
    d.channel = channel;
    d.subtype = subtype;
    if (track >= 0) d.control = "trackID=" + std::to_string(track);
    return d;
  }
  return std::nullopt;
}

}  // namespace mockcam

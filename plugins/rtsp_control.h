/* The RTSP control exchange of dvrrtspsrc, over GstRTSPConnection: OPTIONS,
 * DESCRIBE (with Basic or Digest authentication when the camera answers 401),
 * SETUP of each recorded stream with interleaved channels, PLAY, keep-alives
 * and TEARDOWN. After PLAY the element reads the connection's socket itself;
 * the keep-alives' responses come back among the media and are skipped there.
 *
 * Nothing here logs a header: an Authorization header is the password (Basic
 * is only base64), and the URL in messages never has user info. */
#pragma once

#include <gst/gst.h>
#include <gst/rtsp/rtsp.h>

#include <cstdint>
#include <string>

struct RtspFailure
{
  enum class Kind
  {
    kNone,
    kConnect,       /* no connection to the camera */
    kUnauthorized,  /* 401 with the credentials tried, or none given */
    kNotFound,      /* 404 */
    kRefused,       /* another error status */
    kIo,            /* the connection broke or timed out mid-exchange */
    kCancelled,     /* the element is stopping */
  };
  Kind kind = Kind::kNone;
  std::string detail;           /* for the debug text: never holds a secret */
};

class RtspControl
{
public:
  /* location may hold user info; user and password, when set, win over it. */
  RtspControl (const std::string & location, const std::string & user,
      const std::string & password, guint64 timeout_us);
  ~RtspControl ();
  RtspControl (const RtspControl &) = delete;
  RtspControl & operator= (const RtspControl &) = delete;

  bool valid () const { return conn_ != nullptr; }
  /* The URL without user info: the one to show and to request. */
  const std::string & url () const { return url_; }

  bool connect (RtspFailure * failure);
  bool options (RtspFailure * failure);
  bool describe (std::string * sdp, std::string * content_base, RtspFailure * failure);
  /* channel: the first of the two interleaved channels to ask for; the
   * camera may pick others, returned in rtp_channel and rtcp_channel. */
  bool setup (const std::string & url, int channel, int *rtp_channel, int *rtcp_channel,
      RtspFailure * failure);
  bool play (std::string * rtp_info, RtspFailure * failure);

  /* Sent without waiting for the answer, which comes among the media. */
  bool send_keep_alive ();
  bool send_interleaved (guint8 channel, const guint8 * data, gsize size);
  /* Says goodbye, waiting at most timeout_us for the request to go out (not
   * for the answer): stopping never waits long for a camera. */
  void teardown (guint64 timeout_us);

  /* From another thread: makes a blocking exchange return at once. */
  void interrupt ();

  GSocket *socket () const;
  /* Seconds the camera keeps an idle session (Session: ...;timeout=), 60 if unsaid. */
  guint session_timeout () const { return session_timeout_; }

private:
  bool request (GstRTSPMethod method, const std::string & uri, GstRTSPMessage * response,
      RtspFailure * failure, const char *transport = nullptr);
  bool send_request (GstRTSPMethod method, const std::string & uri, GstRTSPMessage * response,
      RtspFailure * failure, const char *transport);
  void add_common_headers (GstRTSPMessage * msg);
  bool use_credentials (GstRTSPMessage * response);
  void fail_status (GstRTSPMethod method, GstRTSPMessage * response, RtspFailure * failure);

  GstRTSPConnection *conn_ = nullptr;
  GstRTSPUrl *parsed_ = nullptr;
  std::string url_;
  std::string host_;
  std::string user_;
  std::string password_;
  guint64 timeout_us_;
  guint cseq_ = 1;
  std::string session_;
  guint session_timeout_ = 60;
  bool get_parameter_ = false;
  bool authenticated_ = false;  /* credentials sent: a 401 now means they are wrong */
};

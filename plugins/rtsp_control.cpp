#include "rtsp_control.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "rtsp_url.h"

GST_DEBUG_CATEGORY_EXTERN (dvr_rtsp_src_debug);
#define GST_CAT_DEFAULT dvr_rtsp_src_debug

/* Responses to skip (requests from the camera, stray data) before giving up. */
#define MAX_UNRELATED_MESSAGES 64
/* Redirects followed in all, so that two cameras pointing at each other end. */
#define MAX_REDIRECTS 3
/* Sends of one request: the first, answers to challenges, redirects. */
#define MAX_ATTEMPTS 6

namespace {

std::string
hex_fingerprint (const std::string &text)
{
  std::string out;
  for (char c : text)
    if (g_ascii_isxdigit (c))
      out += g_ascii_tolower (c);
  return out;
}

bool
is_redirect (GstRTSPStatusCode code)
{
  return code == 301 || code == 302 || code == 303 || code == 307 ||
         code == 308;
}

}  // namespace

RtspControl::RtspControl (const std::string &location, const std::string &user,
    const std::string &password, guint64 timeout_us, const TlsPolicy &tls)
    : timeout_us_ (timeout_us), tls_ (tls)
{
  std::string url_user, url_password;
  dvr::user_info_of (location, &url_user, &url_password);
  user_ = !user.empty () ? user : url_user;
  password_ = !password.empty () ? password : url_password;
  std::fill (url_password.begin (), url_password.end (), '\0');
  open (dvr::without_user_info (location));
}

RtspControl::~RtspControl ()
{
  close ();
  /* The password is not left behind in freed memory longer than needed. */
  std::fill (password_.begin (), password_.end (), '\0');
}

bool
RtspControl::open (const std::string &url)
{
  GstRTSPUrl *parsed = nullptr;
  if (gst_rtsp_url_parse (url.c_str (), &parsed) != GST_RTSP_OK || !parsed)
    return false;
  url_ = url;
  aggregate_ = url;
  secure_ = (parsed->transports & GST_RTSP_LOWER_TRANS_TLS) != 0;
  guint16 port = 554;
  gst_rtsp_url_get_port (parsed, &port);
  host_ = std::string (parsed->host ? parsed->host : "") + ":" +
          std::to_string (port);
  if (gst_rtsp_connection_create (parsed, &conn_) != GST_RTSP_OK)
    conn_ = nullptr;
  gst_rtsp_url_free (parsed);
  if (conn_ && secure_) {
    /* Checks stay on unless the preset turned them off; a pinned
     * fingerprint is looked at when they fail. */
    if (!tls_.validate)
      gst_rtsp_connection_set_tls_validation_flags (
          conn_, G_TLS_CERTIFICATE_NO_FLAGS);
    gst_rtsp_connection_set_accept_certificate_func (
        conn_, accept_certificate, this, nullptr);
  }
  return conn_ != nullptr;
}

void
RtspControl::close ()
{
  if (conn_) {
    gst_rtsp_connection_close (conn_);
    gst_rtsp_connection_free (conn_);
  }
  conn_ = nullptr;
}

gboolean
RtspControl::accept_certificate (GTlsConnection *, GTlsCertificate *peer_cert,
    GTlsCertificateFlags errors, gpointer user_data)
{
  auto *self = static_cast<RtspControl *> (user_data);
  if (!self->tls_.validate)
    return TRUE;
  self->certificate_refused_ = true;
  if (self->tls_.fingerprint.empty ()) {
    GST_WARNING (
        "the certificate of %s failed its checks (flags 0x%x); set a fingerprint to accept it",
        self->host_.c_str (), (guint)errors);
    return FALSE;
  }
  GByteArray *der = nullptr;
  g_object_get (peer_cert, "certificate", &der, NULL);
  if (!der)
    return FALSE;
  const std::string seen = dvr::digest_hash (
      "SHA-256", std::string ((const char *)der->data, der->len));
  g_byte_array_unref (der);
  const bool ok = seen == hex_fingerprint (self->tls_.fingerprint);
  self->certificate_refused_ = !ok;
  if (ok)
    GST_DEBUG ("the certificate of %s matches the pinned fingerprint",
        self->host_.c_str ());
  else
    GST_WARNING (
        "the certificate of %s has SHA-256 fingerprint %s, not the one pinned",
        self->host_.c_str (), seen.c_str ());
  return ok;
}

GSocket *
RtspControl::socket () const
{
  return gst_rtsp_connection_get_read_socket (conn_);
}

GstRTSPResult
RtspControl::receive (GstRTSPMessage *message, guint64 timeout_us)
{
  return gst_rtsp_connection_receive_usec (conn_, message, (gint64)timeout_us);
}

void
RtspControl::resume ()
{
  if (conn_)
    gst_rtsp_connection_flush (conn_, FALSE);
}

void
RtspControl::interrupt ()
{
  if (conn_)
    gst_rtsp_connection_flush (conn_, TRUE);
}

bool
RtspControl::connect (RtspFailure *failure)
{
  GST_DEBUG ("connecting to %s%s", host_.c_str (), secure_ ? " (TLS)" : "");
  const GstRTSPResult res =
      gst_rtsp_connection_connect_usec (conn_, (gint64)timeout_us_);
  if (res == GST_RTSP_OK)
    return true;
  g_autofree gchar *why = gst_rtsp_strresult (res);
  failure->kind = res == GST_RTSP_EINTR ? RtspFailure::Kind::kCancelled
                                        : RtspFailure::Kind::kConnect;
  failure->detail =
      "Could not connect to " + host_ + (secure_ ? " over TLS" : "") + " (" +
      (certificate_refused_
              ? std::string (
                    "its certificate failed the checks and matches no pinned fingerprint")
              : std::string (why)) +
      ")";
  return false;
}

void
RtspControl::add_common_headers (
    GstRTSPMessage *msg, GstRTSPMethod method, const std::string &uri)
{
  gst_rtsp_message_add_header (
      msg, GST_RTSP_HDR_CSEQ, std::to_string (cseq_++).c_str ());
  gst_rtsp_message_add_header (
      msg, GST_RTSP_HDR_USER_AGENT, "stream-dvr dvrrtspsrc");
  if (!session_.empty ())
    gst_rtsp_message_add_header (msg, GST_RTSP_HDR_SESSION, session_.c_str ());
  if (!challenge_)
    return;
  std::string value =
      challenge_->scheme == dvr::AuthChallenge::Scheme::kDigest
          ? dvr::digest_authorization (*challenge_, user_, password_,
                gst_rtsp_method_as_text (method), uri, ++nonce_count_, cnonce_)
          : dvr::basic_authorization (user_, password_);
  gst_rtsp_message_add_header (msg, GST_RTSP_HDR_AUTHORIZATION, value.c_str ());
  std::fill (value.begin (), value.end (), '\0');
}

/* Takes the camera's challenge: Digest when offered (the password never
 * crosses the network), SHA-256 before MD5, else Basic. False when there is
 * nothing to answer with. */
bool
RtspControl::take_challenge (GstRTSPMessage *response, bool *stale)
{
  *stale = false;
  if (user_.empty () && password_.empty ())
    return false;
  std::vector<std::string> headers;
  gchar *value = nullptr;
  for (gint i = 0; gst_rtsp_message_get_header (response,
                       GST_RTSP_HDR_WWW_AUTHENTICATE, &value, i) == GST_RTSP_OK;
       i++)
    headers.emplace_back (value);
  const std::vector<dvr::AuthChallenge> challenges =
      dvr::parse_challenges (headers);
  const dvr::AuthChallenge *chosen = dvr::preferred_challenge (challenges);
  if (!chosen)
    return false;
  *stale = chosen->stale;
  if (!challenge_ || challenge_->nonce != chosen->nonce) {
    nonce_count_ = 0;
    g_autofree gchar *cnonce =
        g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
    cnonce_ = cnonce;
  }
  challenge_ = *chosen;
  GST_DEBUG ("answering the camera's challenge with %s%s%s%s",
      chosen->scheme == dvr::AuthChallenge::Scheme::kDigest ? "digest "
                                                            : "basic",
      chosen->algorithm.c_str (), chosen->qop_auth ? " qop=auth" : "",
      chosen->stale ? " (stale nonce)" : "");
  return true;
}

bool
RtspControl::follow_redirect (GstRTSPMessage *response, RtspFailure *failure)
{
  gchar *location = nullptr;
  gst_rtsp_message_get_header (response, GST_RTSP_HDR_LOCATION, &location, 0);
  const std::string target =
      location ? dvr::redirect_target (url_, location) : std::string ();
  /* Not the lean source's fault: rtspsrc would fare no better. */
  failure->kind = RtspFailure::Kind::kRefused;
  if (target.empty ()) {
    failure->detail = "redirect from " + url_ + " without an rtsp:// Location";
    return false;
  }
  if (++redirects_ > MAX_REDIRECTS) {
    failure->detail = "more than " + std::to_string (MAX_REDIRECTS) +
                      " redirects from " + url_;
    return false;
  }
  GST_INFO ("%s redirects to %s", url_.c_str (), target.c_str ());
  close ();
  session_.clear ();
  challenge_.reset ();
  if (!open (target)) {
    failure->detail = "redirect to a URL that cannot be used: " + target;
    return false;
  }
  *failure = RtspFailure ();
  return connect (failure);
}

bool
RtspControl::send_request (GstRTSPMethod method, const std::string &uri,
    GstRTSPMessage *response, RtspFailure *failure, const char *transport)
{
  GstRTSPMessage req = {};
  gst_rtsp_message_init_request (&req, method, uri.c_str ());
  add_common_headers (&req, method, uri);
  if (transport)
    gst_rtsp_message_add_header (&req, GST_RTSP_HDR_TRANSPORT, transport);
  if (method == GST_RTSP_DESCRIBE)
    gst_rtsp_message_add_header (&req, GST_RTSP_HDR_ACCEPT, "application/sdp");
  if (method == GST_RTSP_PLAY)
    gst_rtsp_message_add_header (&req, GST_RTSP_HDR_RANGE, "npt=0.000-");
  GST_DEBUG ("%s %s", gst_rtsp_method_as_text (method), uri.c_str ());
  GstRTSPResult res =
      gst_rtsp_connection_send_usec (conn_, &req, (gint64)timeout_us_);
  gst_rtsp_message_unset (&req);
  for (int i = 0; res == GST_RTSP_OK && i < MAX_UNRELATED_MESSAGES; i++) {
    gst_rtsp_message_unset (response);
    res =
        gst_rtsp_connection_receive_usec (conn_, response, (gint64)timeout_us_);
    if (res == GST_RTSP_OK &&
        gst_rtsp_message_get_type (response) == GST_RTSP_MESSAGE_RESPONSE)
      return true;
  }
  g_autofree gchar *why = gst_rtsp_strresult (res);
  failure->kind = res == GST_RTSP_EINTR ? RtspFailure::Kind::kCancelled
                                        : RtspFailure::Kind::kIo;
  failure->detail = std::string (gst_rtsp_method_as_text (method)) + " of " +
                    uri + ": " + (res == GST_RTSP_OK ? "no response" : why);
  return false;
}

void
RtspControl::fail_status (
    GstRTSPMethod method, GstRTSPMessage *response, RtspFailure *failure)
{
  GstRTSPStatusCode code;
  const gchar *reason;
  GstRTSPVersion version;
  gst_rtsp_message_parse_response (response, &code, &reason, &version);
  const std::string uri =
      method == GST_RTSP_SETUP                                    ? setup_uri_
      : method == GST_RTSP_OPTIONS || method == GST_RTSP_DESCRIBE ? url_
                                                                  : aggregate_;
  failure->detail = std::string (gst_rtsp_method_as_text (method)) + " of " +
                    uri + ": " + std::to_string ((int)code) + " " +
                    (reason ? reason : "");
  if (code == GST_RTSP_STS_UNAUTHORIZED)
    failure->kind = RtspFailure::Kind::kUnauthorized;
  else if (method == GST_RTSP_SETUP || method == GST_RTSP_PLAY)
    /* The stream exists (DESCRIBE said so): a refusal now is about how the
     * lean source asked, unless the camera is simply full. */
    failure->kind = code == GST_RTSP_STS_SERVICE_UNAVAILABLE ||
                            code == GST_RTSP_STS_NOT_ENOUGH_BANDWIDTH
                        ? RtspFailure::Kind::kRefused
                        : RtspFailure::Kind::kProtocol;
  else if (code == GST_RTSP_STS_NOT_FOUND)
    failure->kind = RtspFailure::Kind::kNotFound;
  else if (code == GST_RTSP_STS_UNSUPPORTED_TRANSPORT ||
           code == GST_RTSP_STS_NOT_IMPLEMENTED ||
           code == GST_RTSP_STS_OPTION_NOT_SUPPORTED)
    failure->kind = RtspFailure::Kind::kProtocol;
  else
    failure->kind = RtspFailure::Kind::kRefused;
}

bool
RtspControl::request (GstRTSPMethod method, const std::string &uri,
    GstRTSPMessage *response, RtspFailure *failure, const char *transport)
{
  std::string target = uri;
  bool new_nonce_tried = false;
  for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (!send_request (method, target, response, failure, transport))
      return false;
    GstRTSPStatusCode code;
    gst_rtsp_message_parse_response (response, &code, nullptr, nullptr);
    if (code == GST_RTSP_STS_OK) {
      gchar *session = nullptr;
      if (gst_rtsp_message_get_header (
              response, GST_RTSP_HDR_SESSION, &session, 0) == GST_RTSP_OK &&
          session_.empty ()) {
        const gchar *semi = strchr (session, ';');
        session_ = semi ? std::string (session, semi - session) : session;
        const gchar *timeout = semi ? strstr (semi, "timeout=") : nullptr;
        if (timeout) {
          const long seconds = strtol (timeout + 8, nullptr, 10);
          if (seconds > 0 && seconds < 86400)
            session_timeout_ = (guint)seconds;
        }
      }
      return true;
    }
    if (code == GST_RTSP_STS_UNAUTHORIZED) {
      const bool answered = challenge_.has_value ();
      const std::string used_nonce =
          answered ? challenge_->nonce : std::string ();
      bool stale = false;
      if (!take_challenge (response, &stale))
        break;
      /* Credentials sent and refused: the login is wrong. A stale nonce is
       * not a refusal (RFC 7616 3.3), and a camera that hands out a new
       * nonce gets one more try with it; nothing else is retried, as a
       * camera may lock the address out after a few failed logins. */
      if (answered && !stale) {
        if (challenge_->nonce == used_nonce || new_nonce_tried)
          break;
        new_nonce_tried = true;
      }
      continue;
    }
    if (is_redirect (code) &&
        (method == GST_RTSP_OPTIONS || method == GST_RTSP_DESCRIBE)) {
      if (!follow_redirect (response, failure))
        return false;
      target = url_;
      continue;
    }
    break;
  }
  fail_status (method, response, failure);
  return false;
}

bool
RtspControl::options (RtspFailure *failure)
{
  GstRTSPMessage response = {};
  const bool ok = request (GST_RTSP_OPTIONS, url_, &response, failure);
  gchar *methods = nullptr;
  if (ok && gst_rtsp_message_get_header (
                &response, GST_RTSP_HDR_PUBLIC, &methods, 0) == GST_RTSP_OK)
    get_parameter_ = strstr (methods, "GET_PARAMETER") != nullptr;
  gst_rtsp_message_unset (&response);
  /* Some cameras answer OPTIONS only after DESCRIBE: only a refusal of the
   * credentials or the connection is final here. */
  if (!ok && failure->kind != RtspFailure::Kind::kCancelled &&
      failure->kind != RtspFailure::Kind::kIo &&
      failure->kind != RtspFailure::Kind::kConnect &&
      failure->kind != RtspFailure::Kind::kUnauthorized) {
    *failure = RtspFailure ();
    return true;
  }
  return ok;
}

bool
RtspControl::describe (
    std::string *sdp, std::string *base, RtspFailure *failure)
{
  GstRTSPMessage response = {};
  bool ok = request (GST_RTSP_DESCRIBE, url_, &response, failure);
  if (ok) {
    guint8 *body = nullptr;
    guint size = 0;
    gst_rtsp_message_get_body (&response, &body, &size);
    sdp->assign ((const char *)body, size);
    gchar *content_base = nullptr, *content_location = nullptr;
    gst_rtsp_message_get_header (
        &response, GST_RTSP_HDR_CONTENT_BASE, &content_base, 0);
    gst_rtsp_message_get_header (
        &response, GST_RTSP_HDR_CONTENT_LOCATION, &content_location, 0);
    *base = dvr::describe_base (url_, content_base ? content_base : "",
        content_location ? content_location : "");
    aggregate_ = *base;
    if (sdp->empty ()) {
      failure->kind = RtspFailure::Kind::kProtocol;
      failure->detail = "DESCRIBE of " + url_ + ": no SDP";
      ok = false;
    }
  }
  gst_rtsp_message_unset (&response);
  return ok;
}

bool
RtspControl::setup (const std::string &uri, int channel, int *rtp_channel,
    int *rtcp_channel, RtspFailure *failure)
{
  const std::string transport =
      "RTP/AVP/TCP;unicast;interleaved=" + std::to_string (channel) + "-" +
      std::to_string (channel + 1);
  GstRTSPMessage response = {};
  setup_uri_ = uri;
  bool ok =
      request (GST_RTSP_SETUP, uri, &response, failure, transport.c_str ());
  *rtp_channel = channel;
  *rtcp_channel = channel + 1;
  gchar *answer = nullptr;
  if (ok && gst_rtsp_message_get_header (
                &response, GST_RTSP_HDR_TRANSPORT, &answer, 0) == GST_RTSP_OK) {
    GstRTSPTransport *t = nullptr;
    gst_rtsp_transport_new (&t);
    if (gst_rtsp_transport_parse (answer, t) == GST_RTSP_OK &&
        t->lower_transport == GST_RTSP_LOWER_TRANS_TCP &&
        t->interleaved.min >= 0 && t->interleaved.min < 256) {
      *rtp_channel = t->interleaved.min;
      *rtcp_channel = t->interleaved.max >= 0 && t->interleaved.max < 256
                          ? t->interleaved.max
                          : -1;
    } else if (t->lower_transport != GST_RTSP_LOWER_TRANS_TCP) {
      failure->kind = RtspFailure::Kind::kProtocol;
      failure->detail =
          "SETUP of " + uri + ": the camera offered no TCP transport";
      ok = false;
    }
    gst_rtsp_transport_free (t);
  }
  gst_rtsp_message_unset (&response);
  return ok;
}

bool
RtspControl::play (std::string *rtp_info, RtspFailure *failure)
{
  GstRTSPMessage response = {};
  const bool ok = request (GST_RTSP_PLAY, aggregate_, &response, failure);
  gchar *info = nullptr;
  if (ok && gst_rtsp_message_get_header (
                &response, GST_RTSP_HDR_RTP_INFO, &info, 0) == GST_RTSP_OK)
    *rtp_info = info;
  gst_rtsp_message_unset (&response);
  return ok;
}

bool
RtspControl::send_keep_alive ()
{
  const GstRTSPMethod method =
      get_parameter_ ? GST_RTSP_GET_PARAMETER : GST_RTSP_OPTIONS;
  GstRTSPMessage req = {};
  gst_rtsp_message_init_request (&req, method, aggregate_.c_str ());
  add_common_headers (&req, method, aggregate_);
  const GstRTSPResult res =
      gst_rtsp_connection_send_usec (conn_, &req, (gint64)timeout_us_);
  gst_rtsp_message_unset (&req);
  GST_LOG ("keep-alive sent: %d", res);
  return res == GST_RTSP_OK;
}

bool
RtspControl::send_interleaved (guint8 channel, const guint8 *data, gsize size)
{
  GstRTSPMessage msg = {};
  gst_rtsp_message_init_data (&msg, channel);
  gst_rtsp_message_set_body (&msg, data, (guint)size);
  const GstRTSPResult res =
      gst_rtsp_connection_send_usec (conn_, &msg, (gint64)timeout_us_);
  gst_rtsp_message_unset (&msg);
  return res == GST_RTSP_OK;
}

void
RtspControl::teardown (guint64 timeout_us)
{
  if (session_.empty ())
    return;
  GstRTSPMessage req = {};
  gst_rtsp_message_init_request (&req, GST_RTSP_TEARDOWN, aggregate_.c_str ());
  add_common_headers (&req, GST_RTSP_TEARDOWN, aggregate_);
  const GstRTSPResult res =
      gst_rtsp_connection_send_usec (conn_, &req, (gint64)timeout_us);
  gst_rtsp_message_unset (&req);
  GST_DEBUG ("TEARDOWN %s: %s", aggregate_.c_str (),
      res == GST_RTSP_OK ? "sent" : "not sent");
  session_.clear ();
}

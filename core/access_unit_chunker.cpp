#include "access_unit_chunker.h"

namespace dvr {

void AccessUnitChunker::start(VideoCodec codec) {
  codec_ = codec;
  parameter_sets_ = std::make_unique<ParameterSetCache>(codec);
}

void AccessUnitChunker::remember(const uint8_t *nal, size_t size) {
  if (!parameter_sets_) start(codec_);
  parameter_sets_->remember(nal, size);
}

const std::vector<TsChunk> &AccessUnitChunker::byte_stream(const uint8_t *data,
                                                           size_t size,
                                                           bool keyframe) {
  if (!parameter_sets_) start(codec_);
  chunks_.clear();
  if (keyframe) {
    size_t at = 0;
    const std::vector<uint8_t> &missing =
        parameter_sets_->missing_from(data, size, &at);
    if (!missing.empty()) {
      chunks_.push_back({data, at});
      chunks_.push_back({missing.data(), missing.size()});
      chunks_.push_back({data + at, size - at});
      return chunks_;
    }
  }
  chunks_.push_back({data, size});
  return chunks_;
}

const std::vector<TsChunk> *AccessUnitChunker::length_prefixed(
    const uint8_t *data, size_t size, size_t length_size, bool keyframe) {
  if (!parameter_sets_) start(codec_);
  if (!split_length_prefixed(data, size, length_size, &units_) ||
      units_.empty())
    return nullptr;
  chunks_.clear();
  size_t first = 0;
  if (parameter_sets_->is_delimiter(units_[0].data[0])) {
    chunks_.push_back({kStartCode, sizeof kStartCode});
    chunks_.push_back({units_[0].data, units_[0].size});
    first = 1;
  } else {
    const std::vector<uint8_t> &aud = access_unit_delimiter(codec_);
    chunks_.push_back({aud.data(), aud.size()});
  }
  if (keyframe) {
    const std::vector<uint8_t> &missing =
        parameter_sets_->missing_from_units(units_.data(), units_.size());
    if (!missing.empty()) chunks_.push_back({missing.data(), missing.size()});
  }
  for (size_t i = first; i < units_.size(); i++) {
    chunks_.push_back({kStartCode, sizeof kStartCode});
    chunks_.push_back({units_[i].data, units_[i].size});
  }
  return &chunks_;
}

}  // namespace dvr

// Checks on a recording folder shared by the element tests.
#pragma once

#include <cstddef>
#include <string>

#include "pipeline_runner.h"

// "seg-0000000042.ts", the name dvrindex gives segment 42.
std::string segment_name(long long sequence);
// The file name of a listed segment, without its day/hour folder.
std::string uri_name(const std::string &uri);
// Every file of a recording by its path inside the folder, day/hour folders included.
std::vector<std::string> list_recording(const std::string &folder);
// Where segment `sequence` is on disk, flat or in its day/hour folder; a path
// that does not exist when it is nowhere.
std::string segment_path(const std::string &folder, long long sequence);
// Every listed segment exists and ffprobe reads it without a word of complaint.
void require_segments_valid(const TempDir &dir, const ParsedPlaylist &pl);
void require_segments_valid(const std::string &folder,
                            const ParsedPlaylist &pl);
// No hidden temporary is left in the folder.
void require_no_temporaries(const TempDir &dir);

// The video stream of one segment file as ffprobe reads it.
struct ProbedVideo {
  size_t frames = 0;
  bool starts_with_keyframe = false;
  double duration =
      0;  // first frame's PTS to the end of the last frame, in seconds
};
ProbedVideo probe_video(const std::string &file);

// Packets of a transport stream (segments joined) whose continuity counter
// does not follow the one before on its PID, as a demuxer reading them in a
// row would complain of; *packets counts those with payload, *lost_sync
// those without a sync byte.
size_t continuity_jumps(const std::string &ts, size_t *packets,
                        size_t *lost_sync);

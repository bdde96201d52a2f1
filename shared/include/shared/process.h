// Process plumbing shared by every executable: termination signals and the files through which
// a process tells others where it listens.
#pragma once

#include <string>

#include "shared/status.h"

namespace claims {

// Blocks SIGINT and SIGTERM in the calling thread and every thread it starts afterwards. Call
// first thing in main(), before any library starts a thread.
void BlockTerminationSignals();

// Waits for SIGINT or SIGTERM (blocked by BlockTerminationSignals) and returns its number.
int WaitForTerminationSignal();

// Writes `content` to `path` atomically (temporary file, fsync, rename), creating the directory.
Status WriteFileAtomically(const std::string& path, const std::string& content);

}  // namespace claims

// One run of an external text extractor (pdftotext, docx2txt...) on one file,
// bounded in time, memory and output: the program is untrusted input's
// first reader, so it runs in its own process, never inside loftd.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/result.h"

namespace loft::server::search {

// Runs argv with every "%f" replaced by path: stdin and stderr /dev/null,
// stdout read into the result (at most max_text bytes kept; the rest is read
// and dropped), its own process group, no core, address space and CPU time
// capped. Killed (the whole group) at the timeout: Errc::temp. A program that
// cannot start, exits non-zero or dies of a signal: Errc::bad_input.
// Blocks the calling thread (a worker or the indexer), never a loop.
Result<std::string> run_extractor(const std::vector<std::string>& argv, const std::string& path, size_t max_text,
                                  std::chrono::milliseconds timeout);

// argv[0] as an absolute path found on PATH (or as given when it holds a
// '/'), or empty when there is no such executable.
std::string find_program(const std::string& name);

}  // namespace loft::server::search

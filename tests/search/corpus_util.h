// The corpus messages (../shared/corpus, or $LOFT_CORPUS) for search tests.
#pragma once

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace loft::test {

inline std::string source_dir() {
  const char* d = std::getenv("LOFT_SOURCE_DIR");
  return d ? d : ".";
}

inline std::string corpus_dir() {
  const char* d = std::getenv("LOFT_CORPUS");
  return d ? d : source_dir() + "/../shared/corpus";
}

inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct CorpusMessage {
  std::string path;  // relative to the corpus
  std::string bytes;
  uint64_t header_size = 0;  // up to and including the blank line (or the size)
};

// Every single-message file of INDEX.tsv (mbox files are skipped).
inline std::vector<CorpusMessage> load_corpus() {
  std::vector<CorpusMessage> out;
  std::istringstream index(read_file(corpus_dir() + "/INDEX.tsv"));
  std::string line;
  std::getline(index, line);  // header row
  while (std::getline(index, line)) {
    std::string path = line.substr(0, line.find('\t'));
    if (path.find("/mbox/") != std::string::npos || path.ends_with(".mbox")) continue;
    CorpusMessage m{path, read_file(corpus_dir() + "/" + path), 0};
    size_t lf = m.bytes.find("\n\n"), crlf = m.bytes.find("\r\n\r\n");
    size_t end = std::min(lf == std::string::npos ? m.bytes.size() : lf + 2,
                          crlf == std::string::npos ? m.bytes.size() : crlf + 4);
    m.header_size = end;
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace loft::test

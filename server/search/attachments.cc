// Attachment text by external extractors (see attachments.h).
#include "server/search/attachments.h"

#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

#include "base/bytes.h"
#include "base/log.h"
#include "server/search/extractor_process.h"

namespace loft::server::search {

namespace {

// Types that say nothing of the content: the file name's extension decides.
bool generic_type(std::string_view type) {
  return type.empty() || type == "application/octet-stream" || type == "binary/octet-stream" ||
         type == "application/x-download" || type == "application/download" || type == "application/force-download";
}

// The media type of a file name's extension, for generic_type parts.
std::string type_of_name(std::string_view name) {
  static const std::pair<const char*, const char*> kExtensions[] = {
      {".pdf", "application/pdf"},
      {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {".odt", "application/vnd.oasis.opendocument.text"},
      {".doc", "application/msword"},
      {".xls", "application/vnd.ms-excel"},
      {".ppt", "application/vnd.ms-powerpoint"},
  };
  for (const auto& [ext, type] : kExtensions)
    if (iends_with(name, ext)) return type;
  return {};
}

std::string hex(const unsigned char* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 15]);
  }
  return out;
}

std::unique_ptr<AttachmentExtractor>& extractor_slot() {
  static std::unique_ptr<AttachmentExtractor> slot;
  return slot;
}

}  // namespace

// One attachment: its decoded bytes are hashed and spooled to a file (up to
// max_size), then extracted at finish(). Memory: one hash state.
class AttachmentExtractor::SpoolJob final : public Job {
 public:
  SpoolJob(AttachmentExtractor& owner, std::string type) : owner_(owner), type_(std::move(type)) {
    crypto_generichash_init(&hash_, nullptr, 0, crypto_generichash_BYTES);
  }
  ~SpoolJob() override { drop_file(); }

  void feed(std::string_view decoded) override {
    if (decoded.empty() || too_big_ || failed_) return;
    size_ += decoded.size();
    if (size_ > owner_.config_.max_size) {  // not extracted, on every run alike
      too_big_ = true;
      drop_file();
      return;
    }
    crypto_generichash_update(&hash_, reinterpret_cast<const unsigned char*>(decoded.data()), decoded.size());
    if (fd_ < 0 && !open_file()) return;
    while (!decoded.empty()) {
      ssize_t n = write(fd_, decoded.data(), decoded.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        log_warn("search: cannot spool an attachment to ", path_, " (its text is not searched)");
        failed_ = true;
        drop_file();
        return;
      }
      decoded.remove_prefix(static_cast<size_t>(n));
    }
  }

  std::optional<std::string> finish() override {
    if (too_big_ || size_ == 0) return std::string();
    if (failed_) return std::nullopt;
    unsigned char digest[crypto_generichash_BYTES];
    crypto_generichash_final(&hash_, digest, sizeof digest);
    close(fd_);
    fd_ = -1;
    auto text = owner_.extract(type_, hex(digest, sizeof digest), path_);
    drop_file();
    return text;
  }

 private:
  bool open_file() {
    std::string templ = owner_.spool_dir_ + "/part-XXXXXX";
    fd_ = mkostemp(templ.data(), O_CLOEXEC);
    if (fd_ < 0) {
      log_warn("search: cannot create a file in ", owner_.spool_dir_, " (attachment text is not searched)");
      failed_ = true;
      return false;
    }
    path_ = templ;
    return true;
  }
  void drop_file() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    if (!path_.empty()) unlink(path_.c_str());
    path_.clear();
  }

  AttachmentExtractor& owner_;
  std::string type_;
  crypto_generichash_state hash_;
  int fd_ = -1;
  std::string path_;
  uint64_t size_ = 0;
  bool too_big_ = false;
  bool failed_ = false;
};

std::vector<std::pair<std::string, std::vector<std::string>>> AttachmentExtractor::default_extractors() {
  return {
      {"application/pdf", {"pdftotext", "-q", "-enc", "UTF-8", "-nopgbrk", "%f", "-"}},
      {"application/x-pdf", {"pdftotext", "-q", "-enc", "UTF-8", "-nopgbrk", "%f", "-"}},
      {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", {"docx2txt", "%f", "-"}},
      {"application/vnd.oasis.opendocument.text", {"odt2txt", "--encoding=UTF-8", "%f"}},
      {"application/msword", {"catdoc", "-d", "utf-8", "-w", "%f"}},
      {"application/vnd.ms-excel", {"xls2csv", "-d", "utf-8", "%f"}},
      {"application/vnd.ms-powerpoint", {"catppt", "-d", "utf-8", "%f"}},
  };
}

std::unique_ptr<AttachmentExtractor> AttachmentExtractor::create(const AttachmentConfig& config,
                                                                 const std::string& spool_dir) {
  if (!config.enabled) return nullptr;
  auto table = config.extractors.empty() ? default_extractors() : config.extractors;
  std::vector<std::pair<std::string, std::vector<std::string>>> usable;
  for (auto& [type, argv] : table) {
    if (find_program(argv.at(0)).empty()) {
      log_info("search: ", argv[0], " is not installed: ", type, " attachments are not searched");
      continue;
    }
    usable.emplace_back(type, argv);
  }
  if (usable.empty()) return nullptr;
  mkdir(spool_dir.c_str(), 0700);
  // Files a killed process left behind (one process at a time holds the store).
  if (DIR* dir = opendir(spool_dir.c_str())) {
    while (const dirent* e = readdir(dir))
      if (std::string_view(e->d_name).substr(0, 5) == "part-") unlinkat(dirfd(dir), e->d_name, 0);
    closedir(dir);
  }
  return std::unique_ptr<AttachmentExtractor>(new AttachmentExtractor(config, spool_dir, std::move(usable)));
}

AttachmentExtractor::AttachmentExtractor(const AttachmentConfig& config, std::string spool_dir,
                                         std::vector<std::pair<std::string, std::vector<std::string>>> extractors)
    : config_(config), spool_dir_(std::move(spool_dir)), extractors_(std::move(extractors)) {
  std::sort(extractors_.begin(), extractors_.end());
  std::string all = std::to_string(config_.max_size) + "/" + std::to_string(config_.max_text);
  for (const auto& [type, argv] : extractors_) {
    all += "\n" + type;
    for (const std::string& a : argv) all += "\x1f" + a;
  }
  unsigned char digest[8];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(all.data()), all.size(), nullptr, 0);
  signature_ = "x1-" + hex(digest, sizeof digest);
}

std::unique_ptr<proto::imap::AttachmentText::Job> AttachmentExtractor::begin(std::string_view media_type,
                                                                              std::string_view filename) {
  std::string type = generic_type(media_type) ? type_of_name(filename) : std::string(media_type);
  for (const auto& e : extractors_)
    if (e.first == type) return std::make_unique<SpoolJob>(*this, type);
  return nullptr;
}

std::optional<std::string> AttachmentExtractor::extract(const std::string& type, const std::string& hash,
                                                        const std::string& path) {
  const std::string key = type + "\n" + hash;
  if (auto hit = cached(key)) return hit;
  const auto& argv = std::find_if(extractors_.begin(), extractors_.end(), [&](const auto& e) { return e.first == type; })->second;
  const auto timeout = std::chrono::milliseconds(config_.timeout_ms);
  {
    // At most `processes` extractors at once; waiting counts against the timeout.
    std::unique_lock<std::mutex> lock(mu_);
    if (!slot_free_.wait_for(lock, timeout, [&] { return running_ < config_.processes; })) {
      log_warn("search: every attachment extractor busy for ", config_.timeout_ms, " ms: a ", type, " part is not searched");
      return std::nullopt;
    }
    ++running_;
  }
  auto text = run_extractor(argv, path, config_.max_text, timeout);
  {
    std::lock_guard<std::mutex> lock(mu_);
    --running_;
  }
  slot_free_.notify_one();
  if (!text) {
    log_warn("search: ", text.error().message, " on a ", type, " attachment (its text is not searched)");
    // A document its extractor refuses stays refused; a timeout may pass next time.
    if (text.error().code == Errc::bad_input) remember(key, {});
    return text.error().code == Errc::bad_input ? std::optional<std::string>(std::string()) : std::nullopt;
  }
  remember(key, *text);
  return std::move(*text);
}

std::optional<std::string> AttachmentExtractor::cached(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return std::nullopt;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void AttachmentExtractor::remember(const std::string& key, const std::string& text) {
  std::lock_guard<std::mutex> lock(mu_);
  if (by_key_.count(key) || key.size() + text.size() > config_.cache_bytes) return;
  lru_.emplace_front(key, text);
  by_key_[key] = lru_.begin();
  cache_size_ += key.size() + text.size();
  while (cache_size_ > config_.cache_bytes && !lru_.empty()) {
    cache_size_ -= lru_.back().first.size() + lru_.back().second.size();
    by_key_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

void set_attachment_extractor(std::unique_ptr<AttachmentExtractor> extractor) {
  extractor_slot() = std::move(extractor);
}
AttachmentExtractor* attachment_extractor() { return extractor_slot().get(); }
std::string attachment_signature() {
  return extractor_slot() != nullptr ? extractor_slot()->signature() : "none";
}

}  // namespace loft::server::search

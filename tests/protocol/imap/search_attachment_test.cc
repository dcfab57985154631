// Attachments in the SEARCH text walk: TextScanner hands the decoded bytes of
// the parts an AttachmentText takes to its job, and searches the text the job
// returns like a text part's (docs/search.md, "Attachments").
#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "protocol/imap/search_text.h"
#include "protocol/mime/charset.h"

namespace protocol_imap_search_attachment_test {

using namespace loft::proto::imap;

namespace {

// Takes application/x-test (and *.tst files sent as octet-stream): the
// "text" of a part is its decoded bytes upper-cased, or a failure if they
// hold "FAIL". Records what each job was fed.
class FakeAttachments final : public AttachmentText {
 public:
  struct Seen {
    std::string type, name, bytes;
    bool finished = false;
  };
  std::vector<std::shared_ptr<Seen>> seen;

  std::unique_ptr<Job> begin(std::string_view media_type, std::string_view filename) override {
    const bool by_name = media_type == "application/octet-stream" && filename.size() > 4 &&
                         filename.substr(filename.size() - 4) == ".tst";
    if (media_type != "application/x-test" && !by_name) return nullptr;
    auto s = std::make_shared<Seen>();
    s->type = media_type;
    s->name = filename;
    seen.push_back(s);
    return std::make_unique<FakeJob>(s);
  }

 private:
  class FakeJob final : public Job {
   public:
    explicit FakeJob(std::shared_ptr<Seen> s) : s_(std::move(s)) {}
    void feed(std::string_view decoded) override { s_->bytes.append(decoded); }
    std::optional<std::string> finish() override {
      s_->finished = true;
      if (s_->bytes.find("FAIL") != std::string::npos) return std::nullopt;
      std::string up = s_->bytes;
      for (char& c : up) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c;
      return up;
    }

   private:
    std::shared_ptr<Seen> s_;
  };
};

// Collects the folded body text, a '|' per boundary.
class Collect final : public TextSink {
 public:
  std::string text;
  void feed(std::string_view folded) override { text.append(folded); }
  void boundary() override { text.push_back('|'); }
};

const char kMessage[] =
    "Subject: report\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\nsee the attachment\r\n"
    "--b\r\nContent-Type: application/x-test; name=\"r.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "cXVhcnRlcmx5IHplYnJh\r\nZmlzaCByZXBvcnQ=\r\n"  // "quarterly zebrafish report"
    "--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"n.tst\"\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n\r\nokapi=\r\nword\r\n"
    "--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"n.png\"\r\n\r\n"
    "hidden bytes\r\n"
    "--b\r\nContent-Type: application/x-test\r\nContent-Transfer-Encoding: x-unknown\r\n\r\nunknown encoding\r\n"
    "--b--\r\n";

struct Scan {
  std::string text;
  bool failed = false;
  std::vector<std::shared_ptr<FakeAttachments::Seen>> seen;
};

Scan scan(std::string_view raw, size_t step, bool with_attachments = true) {
  FakeAttachments fake;
  Collect body;
  TextScanner s(nullptr, &body, with_attachments ? &fake : nullptr);
  for (size_t i = 0; i < raw.size(); i += step) s.feed(raw.substr(i, step));
  s.finish();
  return {body.text, s.attachment_failed(), fake.seen};
}

}  // namespace

TEST_CASE("an attachment's decoded bytes go to its job and its text is searched as body text") {
  Scan whole = scan(kMessage, sizeof kMessage);
  REQUIRE(whole.seen.size() == 2);  // x-test, and octet-stream named *.tst; not *.png, not an unknown encoding
  CHECK(whole.seen[0]->type == "application/x-test");
  CHECK(whole.seen[0]->bytes == "quarterly zebrafish report");
  CHECK(whole.seen[1]->name == "n.tst");
  CHECK(whole.seen[1]->bytes == "okapiword\r\n");
  CHECK(whole.seen[0]->finished);
  CHECK(whole.text.find("quarterly zebrafish report") != std::string::npos);  // folded back to lower case
  CHECK(whole.text.find("okapiword") != std::string::npos);
  CHECK(whole.text.find("hidden") == std::string::npos);
  CHECK(whole.text.find("unknown encoding") == std::string::npos);
  CHECK_FALSE(whole.failed);
  // Without an AttachmentText the parts are not text, as before.
  Scan plain = scan(kMessage, sizeof kMessage, false);
  CHECK(plain.text.find("zebrafish") == std::string::npos);
  CHECK(plain.text.find("see the attachment") != std::string::npos);
}

TEST_CASE("attachment text is the same whatever the split of the input") {
  const std::string expect = scan(kMessage, sizeof kMessage).text;
  const std::string raw = kMessage;
  for (size_t step = 1; step <= 64; ++step) {
    Scan s = scan(raw, step);
    CHECK_MESSAGE(s.text == expect, "step " << step);
    REQUIRE(s.seen.size() == 2);
    CHECK(s.seen[0]->bytes == "quarterly zebrafish report");
  }
  // Cut once at every offset.
  for (size_t cut = 1; cut < raw.size(); ++cut) {
    FakeAttachments fake;
    Collect body;
    TextScanner s(nullptr, &body, &fake);
    s.feed(std::string_view(raw).substr(0, cut));
    s.feed(std::string_view(raw).substr(cut));
    s.finish();
    CHECK_MESSAGE(body.text == expect, "cut at " << cut);
  }
}

TEST_CASE("a failed extraction is reported, and the other parts are still searched") {
  const std::string raw =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: application/x-test\r\n\r\nplease FAIL here\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\nafter the failure\r\n--b--\r\n";
  Scan s = scan(raw, 7);
  CHECK(s.failed);
  CHECK(s.text.find("please") == std::string::npos);
  CHECK(s.text.find("after the failure") != std::string::npos);
  // A message cut inside the attachment: finish() still ends its job.
  Scan cut = scan(raw.substr(0, raw.find("here")), 5);
  REQUIRE(cut.seen.size() == 1);
  CHECK(cut.seen[0]->finished);
}

TEST_CASE("a top-level attachment (no multipart) is extracted too") {
  Scan s = scan("Content-Type: application/x-test\r\n\r\nsingle part\r\n", 3);
  REQUIRE(s.seen.size() == 1);
  CHECK(s.text.find("single part") != std::string::npos);
}

}  // namespace protocol_imap_search_attachment_test

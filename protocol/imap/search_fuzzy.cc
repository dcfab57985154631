// FUZZY matching and relevancy (see search_fuzzy.h).
#include "protocol/imap/search_fuzzy.h"

#include <algorithm>
#include <cmath>

#include "protocol/imap/stemmer.h"

namespace loft::proto::imap {
namespace {

std::vector<std::string> flat_words(const std::vector<const FuzzyNeedle*>& needles) {
  std::vector<std::string> out;
  for (const FuzzyNeedle* n : needles) out.insert(out.end(), n->words.begin(), n->words.end());
  return out;
}

}  // namespace

FuzzyNeedle::FuzzyNeedle(std::string_view folded_needle) : words(split_words(folded_needle)) {
  for (const std::string& w : words) stems.push_back(word_stems(w));
}

bool FuzzyStats::matches() const {
  if (exact.empty()) return false;
  for (size_t i = 0; i < exact.size(); ++i) {
    if (!exact[i] && stem_hits[i] == 0) return false;
  }
  return true;
}

FuzzySink::FuzzySink(std::vector<const FuzzyNeedle*> needles)
    : needles_(std::move(needles)),
      exact_(flat_words(needles_)),
      splitter_([this](std::string_view w) { on_word(w); }) {
  stats_.resize(needles_.size());
  for (size_t n = 0; n < needles_.size(); ++n) {
    const FuzzyNeedle& needle = *needles_[n];
    stats_[n].exact.assign(needle.words.size(), false);
    stats_[n].stem_hits.assign(needle.words.size(), 0);
    for (size_t w = 0; w < needle.words.size(); ++w) {
      flat_.emplace_back(n, w);
      for (const std::string& s : needle.stems[w]) by_stem_[s].emplace_back(n, w);
    }
  }
}

void FuzzySink::feed(std::string_view folded) {
  exact_.feed(folded);
  splitter_.feed(folded);
}

void FuzzySink::boundary() {
  exact_.boundary();
  splitter_.boundary();
}

void FuzzySink::finish() {
  splitter_.finish();
  for (size_t i = 0; i < flat_.size(); ++i) {
    if (exact_.found(i)) stats_[flat_[i].first].exact[flat_[i].second] = true;
  }
}

void FuzzySink::on_word(std::string_view word) {
  for (FuzzyStats& s : stats_) ++s.text_words;
  if (by_stem_.empty()) return;
  // A text word counts once per needle word, whichever of its stems matched.
  std::vector<std::pair<size_t, size_t>> hit;
  for (const std::string& lang : stem_languages()) {
    auto it = by_stem_.find(stem_word(word, lang));
    if (it == by_stem_.end()) continue;
    for (const auto& nw : it->second) {
      if (std::find(hit.begin(), hit.end(), nw) == hit.end()) hit.push_back(nw);
    }
  }
  if (stem_languages().empty()) {  // no stemming: equal words still match
    auto it = by_stem_.find(std::string(word));
    if (it != by_stem_.end()) hit = it->second;
  }
  for (const auto& [n, w] : hit) ++stats_[n].stem_hits[w];
}

double fuzzy_strength(const FuzzyStats& stats, FuzzyField field) {
  if (!stats.matches()) return 0;
  double words = static_cast<double>(stats.exact.size()), exact = 0, stem_only = 0, hits = 0;
  for (size_t i = 0; i < stats.exact.size(); ++i) {
    if (stats.exact[i]) exact += 1;
    else stem_only += 1;
    hits += stats.stem_hits[i];
  }
  double quality = (exact + 0.6 * stem_only) / words;
  double h = std::max(hits, exact);
  double density = h / (h + 3.0 + static_cast<double>(stats.text_words) / 100.0);
  double weight = field == FuzzyField::subject ? 1.0 : field == FuzzyField::header ? 0.8 : 0.7;
  return weight * (0.6 * quality + 0.4 * density);
}

uint8_t relevancy_score(std::span<const double> strengths) {
  if (strengths.empty()) return 100;
  double sum = 0;
  for (double s : strengths) sum += std::clamp(s, 0.0, 1.0);
  double score = 1.0 + std::round(99.0 * sum / static_cast<double>(strengths.size()));
  return static_cast<uint8_t>(std::clamp(score, 1.0, 100.0));
}

std::string relevancy_return_data(std::span<const uint8_t> scores) {
  std::string out = "RELEVANCY (";
  for (size_t i = 0; i < scores.size(); ++i) {
    if (i > 0) out.push_back(' ');
    out += std::to_string(scores[i]);
  }
  out.push_back(')');
  return out;
}

}  // namespace loft::proto::imap
